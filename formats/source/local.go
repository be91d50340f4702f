package source

// LocalPath returns the file system path of o when it is a local file
// (file:// URIs are paths once resolved), and false for standard input
// and remote objects. Callers use it for what is cheap on a local file
// only, such as hashing it before it is read.
func (o Object) LocalPath() (string, bool) {
	if o.URI == StdinURI {
		return "", false
	}
	switch scheme, _ := splitScheme(o.URI); scheme {
	case "":
		return o.URI, true
	case "file":
		p, err := filePath(o.URI)
		return p, err == nil
	}
	return "", false
}
