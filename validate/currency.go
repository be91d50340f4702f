package validate

// currencyCodes holds the ISO 4217 alphabetic codes: those in use, the fund
// and precious-metal codes, and those withdrawn since 2008, because
// historical backfills carry them (HRK until 2023, LTL until 2015, …). XTS
// (testing) and XXX (no currency) are left out.
const currencyCodes = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV " +
	"BRL BSD BTN BWP BYN BYR BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CYP CZK " +
	"DJF DKK DOP DZD EEK EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG " +
	"HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD " +
	"LSL LTL LVL LYD MAD MDL MGA MKD MMK MNT MOP MRO MRU MTL MUR MVR MWK MXN MXV MYR MZN NAD NGN " +
	"NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD " +
	"SHP SIT SKK SLE SLL SOS SRD SSP STD STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH " +
	"UGX USD USN UYI UYU UYW UZS VED VEF VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR " +
	"XOF XPD XPF XPT XSU XUA YER ZAR ZMK ZMW ZWG ZWL"

// currencySet has bit (a*26+b)*26+c set for every code abc.
var currencySet = func() (set [26*26*26/64 + 1]uint64) {
	for i := 0; i+3 <= len(currencyCodes); i += 4 {
		k := currencyIndex(currencyCodes[i], currencyCodes[i+1], currencyCodes[i+2])
		set[k/64] |= 1 << (k % 64)
	}
	return set
}()

func currencyIndex(a, b, c byte) int {
	return (int(a-'A')*26+int(b-'A'))*26 + int(c-'A')
}

// upper3 upper-cases three ASCII letters, reporting false for anything else.
func upper3(v []byte) (a, b, c byte, ok bool) {
	if len(v) != 3 {
		return 0, 0, 0, false
	}
	up := func(x byte) (byte, bool) {
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		return x, 'A' <= x && x <= 'Z'
	}
	a, ok1 := up(v[0])
	b, ok2 := up(v[1])
	c, ok3 := up(v[2])
	return a, b, c, ok1 && ok2 && ok3
}

// Currency returns the ISO 4217 code v names, in upper case, and whether
// it is one.
func Currency(v []byte) ([3]byte, bool) {
	a, b, c, ok := upper3(v)
	if !ok {
		return [3]byte{}, false
	}
	k := currencyIndex(a, b, c)
	return [3]byte{a, b, c}, currencySet[k/64]&(1<<(k%64)) != 0
}
