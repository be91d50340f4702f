package pipeline

import (
	"context"
	"time"

	"ingot/kinds"
)

// writeItem goes from the group stage to the writer.
type writeItem struct {
	file int
	out  kinds.Output
	end  bool  // file done: publish its files
	err  error // file failed: discard its files
}

// eventChunkSize is how many bytes of event lines the group stage gathers
// before handing them to the event writer.
const eventChunkSize = 1 << 20

// eventChunk carries whole event lines, each ending in '\n'.
type eventChunk struct {
	file int
	data []byte
	end  bool
	err  error
	held bool // lines held back until the grouper settled (kinds.EventHolder)
}

// groupStage puts validated batches back in input order and hands them to
// the kind's Grouper, which groups rows into records and diffs them; it
// passes on what the grouper hands out: batches to the writer, event
// lines in chunks to the event writer. It implements kinds.Sink.
type groupStage struct {
	grouper kinds.Grouper
	out     chan<- writeItem
	events  chan<- eventChunk
	evFree  chan []byte // event buffers the event writer is done with
	dryRun  bool
	clock   stageClock

	ctx   context.Context
	file  int
	evbuf []byte
	held  bool // event lines are held back from now on
}

func (s *groupStage) run(ctx context.Context, in <-chan valItem) error {
	s.ctx, s.file = ctx, -1
	waiting := map[int]valItem{}
	next := 0
	for vi := range in {
		waiting[vi.seq] = vi
		for {
			it, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			next++
			t := time.Now()
			err := s.process(it)
			s.clock.since(t)
			if err != nil {
				return err
			}
		}
	}
	// Every record is grouped: the kind may look for the ones that came
	// back, while the writers finish.
	t := time.Now()
	defer s.clock.since(t)
	return s.grouper.Finish()
}

func (s *groupStage) process(it valItem) error {
	s.file = it.file
	switch {
	case it.rows != nil:
		return s.grouper.Add(it.file, it.rows, it.header, s)
	case it.end:
		if err := s.grouper.EndFile(it.file, s); err != nil {
			return err
		}
		if err := s.sendEvents(true, nil); err != nil {
			return err
		}
		return s.send(writeItem{file: it.file, end: true})
	default: // the file failed
		s.grouper.FailFile(it.file)
		s.evbuf = s.evbuf[:0]
		if err := s.sendEvents(false, it.err); err != nil {
			return err
		}
		return s.send(writeItem{file: it.file, err: it.err})
	}
}

// Write hands a batch to the writer (kinds.Sink).
func (s *groupStage) Write(o kinds.Output) error { return s.send(writeItem{file: o.File(), out: o}) }

// Events returns the event buffer to append to, nil on a dry run
// (kinds.Sink).
func (s *groupStage) Events() *[]byte {
	if s.dryRun {
		return nil
	}
	return &s.evbuf
}

// EventsAdded sends the buffer on once it holds a chunk's worth
// (kinds.Sink).
func (s *groupStage) EventsAdded() error {
	if len(s.evbuf) >= eventChunkSize {
		return s.sendEvents(false, nil)
	}
	return nil
}

// HoldEvents hands on the lines so far, then holds back every later one
// (kinds.EventHolder).
func (s *groupStage) HoldEvents() error {
	if s.held {
		return nil
	}
	if len(s.evbuf) > 0 {
		if err := s.sendEvents(false, nil); err != nil {
			return err
		}
	}
	s.held = true
	return nil
}

func (s *groupStage) send(w writeItem) error {
	select {
	case s.out <- w:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

func (s *groupStage) sendEvents(end bool, err error) error {
	if s.dryRun {
		s.evbuf = s.evbuf[:0]
		return nil
	}
	c := eventChunk{file: s.file, data: s.evbuf, end: end, err: err, held: s.held}
	select { // a buffer the event writer is done with, or a new one
	case s.evbuf = <-s.evFree:
		s.evbuf = s.evbuf[:0]
	default:
		s.evbuf = make([]byte, 0, eventChunkSize+eventChunkSize/2)
	}
	select {
	case s.events <- c:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}
