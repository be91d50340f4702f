package bench

type currency struct {
	code    string
	per100  int64 // units per 100 EUR units
	sizeSys uint8 // index into sizeSystems
}

// currencies; EUR and USD must stay first (cross-border orders pick 0 or 1).
var currencies = [...]currency{
	{"EUR", 100, 0}, {"USD", 110, 1}, {"GBP", 85, 2}, {"CHF", 95, 0},
	{"SEK", 1150, 0}, {"JPY", 16000, 0}, {"PLN", 430, 0}, {"KRW", 145000, 0},
	{"DKK", 745, 0}, {"NOK", 1170, 0}, {"CAD", 150, 1}, {"AUD", 165, 2},
}

const (
	curEUR = iota
	curUSD
	curGBP
	curCHF
	curSEK
	curJPY
	curPLN
	curKRW
	curDKK
	curNOK
	curCAD
	curAUD
)

var sizeSystems = [...]string{"EU", "US", "UK"}

type country struct {
	name     string
	weight   int
	cur      uint8
	taxBP    int64 // tax rate in basis points
	std, dst int16 // UTC offset in minutes, standard and summer time
	south    bool  // southern hemisphere: summer time around January
}

var countries = [...]country{
	{"Germany", 60, curEUR, 1900, 60, 120, false},
	{"France", 30, curEUR, 2000, 60, 120, false},
	{"United Kingdom", 30, curGBP, 2000, 0, 60, false},
	{"United States", 36, curUSD, 725, -300, -240, false},
	{"Netherlands", 12, curEUR, 2100, 60, 120, false},
	{"Austria", 10, curEUR, 2000, 60, 120, false},
	{"Switzerland", 10, curCHF, 810, 60, 120, false},
	{"Spain", 10, curEUR, 2100, 60, 120, false},
	{"Italy", 10, curEUR, 2200, 60, 120, false},
	{"Sweden", 8, curSEK, 2500, 60, 120, false},
	{"Poland", 8, curPLN, 2300, 60, 120, false},
	{"Belgium", 6, curEUR, 2100, 60, 120, false},
	{"Denmark", 5, curDKK, 2500, 60, 120, false},
	{"Norway", 5, curNOK, 2500, 60, 120, false},
	{"Japan", 5, curJPY, 1000, 540, 540, false},
	{"Korea, Republic of", 4, curKRW, 1000, 540, 540, false},
	{"Canada", 4, curCAD, 1300, -300, -240, false},
	{"Australia", 3, curAUD, 1000, 600, 660, true},
}

var payments = [...]string{"Visa", "Mastercard", "PayPal", "Klarna", "American Express",
	"Apple Pay", "Google Pay", "SEPA Direct Debit", ""}
var paymentWeights = [len(payments)]int{70, 50, 55, 25, 12, 14, 6, 8, 16}

var shipVias = [...]string{"UPS", "DHL", "DPD", "GLS", "FedEx", "Hermes", "Click & Collect",
	"Royal Mail", "USPS", ""}
var shipViaWeights = [len(shipVias)]int{50, 70, 30, 20, 18, 22, 16, 10, 10, 10}

var sources = [...]string{"web", "app", "phone call", "POS"}
var sourceWeights = [len(sources)]int{150, 70, 16, 20}

// Line-item promotions; index 0 is none.
var linePromos = [...]string{"", "SUMMER10", "WELCOME5", "BLACKFRIDAY20", "BUNDLE15"}

const linePromoBundle = 4

type promo struct {
	text     string
	pct      int64 // discount on every line, percent
	line     uint8 // index into linePromos for discounted lines
	freeShip bool
}

var promos = [...]promo{
	{"", 0, 0, false},
	{"SUMMER10", 10, 1, false},
	{"FREESHIP", 0, 0, true},
	{"SUMMER10;FREESHIP", 10, 1, true},
	{"WELCOME5", 5, 2, false},
	{"BLACKFRIDAY20", 20, 3, false},
}
var promoWeights = [len(promos)]int{150, 22, 40, 14, 18, 12}

const (
	statusPlaced = iota
	statusPaid
	statusFulfilled
	statusRefunded
	statusCancelled
)

var statuses = [...]string{"placed", "paid", "fulfilled", "refunded", "cancelled"}
var statusWeights = [len(statuses)]int{26, 56, 148, 16, 10}

var sizes = [...]string{"S", "M", "L", "XL"}

// adults renders product.adult.
var adults = [...]string{"", "false", "true"}

// subscriptions are durations in milliseconds: 30, 90 and 365 days.
var subscriptions = [...]int64{2_592_000_000, 7_776_000_000, 31_536_000_000}

type category struct {
	path         string // the leaf, "A > B > C"
	parents      string // its ancestors, most general first, ';'-separated
	nouns        []string
	minPrice     int64 // EUR cents
	maxPrice     int64
	sized        bool
	adult        bool
	bulky        bool // ships at a per-line fee
	subscription bool
}

var categories = [...]category{
	{path: "Men > Shirts > Short Sleeve Shirts", parents: "Men;Men > Shirts",
		nouns: []string{"Oxford Shirt", "Polo Shirt", "Linen Shirt", "Hawaiian Shirt"}, minPrice: 1999, maxPrice: 6999, sized: true},
	{path: "Men > Trousers > Chinos", parents: "Men;Men > Trousers",
		nouns: []string{"Chino", "Cargo Pants", "Jogger"}, minPrice: 2999, maxPrice: 8999, sized: true},
	{path: "Women > Dresses > Maxi Dresses", parents: "Women;Women > Dresses",
		nouns: []string{"Maxi Dress", "Wrap Dress", "Robe d'été"}, minPrice: 3999, maxPrice: 12999, sized: true},
	{path: "Women > Tops > T-Shirts", parents: "Women;Women > Tops",
		nouns: []string{"Tee", "Tank Top", "Longsleeve"}, minPrice: 999, maxPrice: 3999, sized: true},
	{path: "Sports > Running > Jackets", parents: "Sports;Sports > Running",
		nouns: []string{"Running Jacket", "Windbreaker", "Straßenlauf Jacke"}, minPrice: 4999, maxPrice: 14999, sized: true},
	{path: "Kids > Toys > Puzzles", parents: "Kids;Kids > Toys",
		nouns: []string{"Puzzle, 1000 pieces", "Jigsaw", "Floor Puzzle"}, minPrice: 999, maxPrice: 3999},
	{path: "Home > Kitchen > Mugs", parents: "Home;Home > Kitchen",
		nouns: []string{"Mug", "Café au Lait Bowl", "Teapot"}, minPrice: 799, maxPrice: 3999},
	{path: "Home > Decor > Candles", parents: "Home;Home > Decor",
		nouns: []string{"Crème Brûlée Candle", "Scented Candle", "Tea Lights"}, minPrice: 599, maxPrice: 2999},
	{path: "Home > Furniture > Chairs", parents: "Home;Home > Furniture",
		nouns: []string{"Chair", "Bar Stool", "Rocking Chair"}, minPrice: 4999, maxPrice: 29999, bulky: true},
	{path: "Beauty > Skincare > Serums", parents: "Beauty;Beauty > Skincare",
		nouns: []string{"Serum", "Night Cream", "Eye Gel"}, minPrice: 1299, maxPrice: 5999},
	{path: "Electronics > Audio > Headphones", parents: "Electronics;Electronics > Audio",
		nouns: []string{"Headphones", "Earbuds", "Speaker"}, minPrice: 2999, maxPrice: 24999},
	{path: "Food & Drink > Tea > Green Tea", parents: "Food & Drink;Food & Drink > Tea",
		nouns: []string{"日本 Matcha Set", "Sencha", "Genmaicha"}, minPrice: 699, maxPrice: 4999},
	{path: "Food & Drink > Wine > Red Wine", parents: "Food & Drink;Food & Drink > Wine",
		nouns: []string{"Rioja Reserva", "Château Bordeaux", "Barolo"}, minPrice: 899, maxPrice: 5999, adult: true},
	{path: "Subscriptions > Coffee > Monthly Box", parents: "Subscriptions;Subscriptions > Coffee",
		nouns: []string{"Coffee Club Box", "Espresso Box"}, minPrice: 1999, maxPrice: 3999, subscription: true},
	{path: "Party > Supplies > Balloons", parents: "Party;Party > Supplies",
		nouns: []string{"Party Pack 🎉", "Balloons", "Confetti"}, minPrice: 299, maxPrice: 1999},
	{path: "Books > Fiction > Crime", parents: "Books;Books > Fiction",
		nouns: []string{`Mystery "Night Train"`, "Thriller", "Novel"}, minPrice: 899, maxPrice: 2999},
}

var adjectives = [...]string{"Classic", "Essential", "Premium", "Organic", "Vintage",
	"Relaxed", "Deluxe", "Eco", "Signature", "Soft", `The "Everyday"`, "Élégant", "Große",
	"Basic"}

var colors = [...]string{"Navy", "Black", "White", "Olive", "Bordeaux Red", "Crème",
	"Sky Blue", "Grey Melange"}

var brands = [...]string{"Nordwind", "Müller & Söhne", "Café Noir", "Acme", "Blue Harbor",
	"Smith, Jones & Co", "Ōkami", "Zephyr", "Kranich", "Maison Lumière", "North Peak",
	"Urban Fox"}

// Defect renderings.
var (
	// badNames have a comma and no quote, written unquoted: one field too many.
	badNames      = [...]string{"Basic Tee, Navy", "Socks, 3 pack", "Mug, white", "Hoodie, Grey Melange"}
	badEmails     = [...]string{"john.doe@", "null", "anna.schmidt.example.com", "NULL", "undefined"}
	badStatuses   = [...]string{"shipped", "returned", "on_hold"}
	badQuantities = [...]string{"two", "1.5", "2x"}
)

var firstNames = [...]string{"anna", "lukas", "marie", "jonas", "sophie", "leon", "emma",
	"paul", "julia", "felix", "laura", "max", "chloe", "hugo", "olivia", "noah", "james",
	"emily", "liam", "yuki", "minjun", "sven", "ingrid", "piotr", "zofia", "lucia", "marco"}

var lastNames = [...]string{"schmidt", "mueller", "schneider", "fischer", "weber", "martin",
	"bernard", "dubois", "smith", "jones", "brown", "taylor", "johansson", "nowak",
	"kowalski", "tanaka", "kim", "rossi", "garcia", "oconnor", "meyer", "wagner", "becker",
	"hoffmann"}

type domain struct {
	name   string
	weight int
}

var domains = [...]domain{{"gmail.com", 70}, {"web.de", 25}, {"gmx.de", 25},
	{"yahoo.com", 20}, {"outlook.com", 25}, {"hotmail.co.uk", 15}, {"orange.fr", 15},
	{"icloud.com", 20}, {"t-online.de", 12}, {"proton.me", 8}, {"example.com", 21}}

type phone struct {
	prefix string
	digits int // digits after the prefix
	weight int
}

var phones = [...]phone{{"+49151", 8, 30}, {"+49170", 8, 20}, {"+336", 8, 20},
	{"+447", 9, 20}, {"+1", 10, 25}, {"+467", 8, 8}, {"+4860", 7, 8}, {"+4179", 7, 8},
	{"+8190", 8, 5}, {"+8210", 8, 5}}
