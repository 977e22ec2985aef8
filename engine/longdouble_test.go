package engine

import (
	"strings"
	"testing"
)

// The expected strings below are what redis-server 7.0.15 (x86-64) answers to INCRBYFLOAT.

// incrByFloat computes INCRBYFLOAT on a stored value ("" for a missing key) as the engine does.
func incrByFloat(value, incr string, missing bool) (string, error) {
	var cur LongDouble
	if !missing {
		var ok bool
		if cur, ok = ParseLongDouble([]byte(value)); !ok {
			return "", ErrNotFloat
		}
	}
	x, ok := ParseLongDouble([]byte(incr))
	if !ok {
		return "", ErrNotFloat
	}
	sum, ok := cur.Add(x)
	if !ok {
		return "", ErrNaNOrInf
	}
	return string(sum.AppendHuman(nil)), nil
}

func TestIncrByFloatArithmeticMatchesRedis(t *testing.T) {
	t.Parallel()
	const e400 = "10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880"
	const maxDoublePlus1e308 = "279769313486231570002352240441350078789299929179619934003987695617693370918830364684014944221042050987341155710361544171686148029276505307138777262321877129888036065002204239033812550598509174132739480498569620043582760541189365866551522561741435317031294527744011878159793174665688773926186886103199182225408"
	tests := []struct {
		name         string
		value, incr  string
		missing      bool
		want         string
		wantErr      error
		wantPrefixed bool // want is only the start of the result
	}{
		{name: "10.5 plus 0.1 is 10.6 in long double", value: "10.5", incr: "0.1", want: "10.6"},
		{name: "a whole result has no point", missing: true, incr: "3.0", want: "3"},
		{name: "an exponent is expanded", missing: true, incr: "5.0e3", want: "5000"},
		{name: "1e20 is written in full", missing: true, incr: "1e20", want: "100000000000000000000"},
		{name: "1e400 is written with every digit of its binary value", missing: true, incr: "1e400", want: e400},
		{name: "results beyond double range are kept", value: "1.7976931348623157e308", incr: "1e308", want: maxDoublePlus1e308},
		{name: "a tiny value is 0", missing: true, incr: "1e-20", want: "0"},
		{name: "a tiny negative value is 0, not -0", missing: true, incr: "-1e-20", want: "0"},
		{name: "0.1 stays 0.1", missing: true, incr: "0.1", want: "0.1"},
		{name: "0.1 plus 0.2 is 0.3", value: "0.1", incr: "0.2", want: "0.3"},
		{name: "0.3 minus 0.3 is 0", value: "0.3", incr: "-0.3", want: "0"},
		{name: "1.1 plus 2.2 is 3.3", value: "1.1", incr: "2.2", want: "3.3"},
		{name: "the 18th decimal rounds half to even, down", missing: true, incr: "0.000003814697265625", want: "0.00000381469726562"},
		{name: "the 18th decimal rounds half to even, up", missing: true, incr: "0.000011444091796875", want: "0.00001144409179688"},
		{name: "1.5e-17 rounds to 2e-17", missing: true, incr: "1.5e-17", want: "0.00000000000000002"},
		{name: "2.5e-17 rounds to 2e-17", missing: true, incr: "2.5e-17", want: "0.00000000000000002"},
		{name: "1e-17 plus 4e-18 rounds to 1e-17", value: "1e-17", incr: "4e-18", want: "0.00000000000000001"},
		{name: "30 digits keep 64 bits of precision", value: "123456789012345678901234567890", incr: "1", want: "123456789012345678899921813504"},
		{name: "a negative exponent", value: "-123.456e-2", incr: "0", want: "-1.23456"},
		{name: "hexadecimal", missing: true, incr: "0x10", want: "16"},
		{name: "hexadecimal with a binary exponent", missing: true, incr: "0x1p-3", want: "0.125"},
		{name: "hexadecimal with a fraction", value: "0xABCDEF.8p-4", incr: "0", want: "703710.96875"},
		{name: "hexadecimal in upper case", value: "0", incr: "0X1P+3", want: "8"},
		{name: "hexadecimal rounds to 64 bits", value: "0", incr: "0x1.fffffffffffffffffp0", want: "2"},
		{name: "a point with digits after only", missing: true, incr: ".5", want: "0.5"},
		{name: "a point with digits before only", missing: true, incr: "5.", want: "5"},
		{name: "a plus sign", missing: true, incr: "+5", want: "5"},
		{name: "negative zero plus negative zero prints 0", value: "-0", incr: "-0", want: "0"},
		{name: "the smallest subnormal is accepted", value: "5", incr: "0x1p-16445", want: "5"},
		{name: "a subnormal is accepted", missing: true, incr: "1e-4940", want: "0"},
		{name: "a value rounding to the smallest subnormal is accepted", missing: true, incr: "2e-4951", want: "0"},
		{name: "zero with a huge negative exponent is zero", missing: true, incr: "0e-99999999999999999999999", want: "0"},
		{name: "the largest values are written in full", missing: true, incr: "1.18e4932", want: "1180000000000000000000652812918093699202690437140160471729831240061836527728446996012081496266122792766769526197391834470385973446835903298007991162169912966947483432647234577200620123818005620603216257683072266755211783073893898892841127338796175305374054091321687546156682155069073575171445007331886449883972605670279112001894706223479273103388187109252411475067321186171650490014973281786310961801892974347811555972675118076008364474119889409096902972911571111722000012900838073028887876011653413722049093775689610052158171712672675312191860205707373857429696551375461512237222374125392296878412490926543256444715457885744757843332317750009750044474026536227473904108356153561601836754442548437331630037906553604744949536052094844982697237163293846595793258042695214484990516867168618164099787322518019960254607003540997954076606590858795050113610840630804766871136616096982025230870439467519299693068341253864352069045881626821806916079867754639859469835409085083594237523080292455434741052868642836835210064989898506786513997391275147656863273129451676352529023424735216484708541519480383689313518880865332035386986581272618282622263294922458522487092489246848496220427191942086507486544776470922310619000995917510864138006375800351059431677908692814905392594556749361661108507097928847605190877634012108914507104486113446632140122768706008638984440444198305569232385679153938559797935021816219139585866861382724251371364526030115222178568045453654547409741333506956237640992066929023173269233654683532111622851704286923188006244792169250738500363927791147370600107300854922046256077724098335184191723549570219751132076688397032232131864422262128386814242042433021010643793830637879715393923070470176438389631582735600410608292223519551435722202597740323075649281123602380362432096140576547879322985016432010390630709666677007420717046036747982344446642247311826011876662720752591997603001901888151960861797042788112416889721405076107717310955903048252818561918602080662514292460866146139724050582377608975562156524273382537932855085468816961079044082733624654313500464992566968563697686008555988481210914042712850600793163708299712413566896579577491705957884445667058253741893317205684197536054822744804652416156580893826000572389070053936205923925166847319592734073740337961359180888245875673002110522779038346737920578235219062791324852056744699697950909270492071436126295948101137596430106513153861481385093555883246892187259379586908398955559139676430431479041029234127555336912060788541520162560158359279679421628678763992736089307860030752828652481868251222163929309566396626089930340364495283446510762008616030226734269488012978691544148687956832009063891719358442436062152955251648426046186743362865128313040543008364722577148548027503143662437092951494462744876143865873898575005587453968482256732226717507658830506541647189181112311971028195238821918504810628023248710999797545027520421514318196657569279971379239736676020452238303630497519919062153480653628449604451332111593716402554065177980694979163881698664541180149135653819092130890109215017921974689654229453155826443979960995798006711235595049584766811146505145397676813614581856512743436620813791643836651522272332831696150579335013786807977229817660274534189290709809957605037228977004713897424909992111564890380469059240068268195012694238538547910270782388685619277638094729075696231217932047081103452374538517611467369583161657057019250658156584566311760738135047415894967698889479470998763402046639180166784535208471077226676674420718691260687095485255502405982930311543281379958121633960951545538186059161675736792549198479360379338077007658139765639411871980771712876794736882693152594905636817771717256161474945775626291015767245783686711048852979080350509093989705813580682340461941673878215932907453122698607571183890061732925060115917356544095445249070071768322356448499125701280357593963898576429238363088779913522269912151170691843124741654779703628298511668041961733504412886903504715530467459998504788206824665238902254950663954466568653288005962656430119998695515993470186527833359024963284846521178530217508807249178797004385647567166371327186563619329837048997946816148541945186413857471386857078776530085336734879705024425740156796735855611847123888963075899234846068840714524970118470213153132490140015479629784422040282291288184207579459126070922819823027630691045768306394804642695159976638779238653664752673668473688927285292071386058263554978370880801473686040877448001619541811581977953772054500693749326440604142213617411543965585681360612179143186325343731925121620800797331500927455994370918404760496715673880488648459134567112619105219946835578284848821815852069426615994552896338947261882518183064552386711352852580742354189795068806327879421241741669861493568089037690852168828912932235771572050086275752407863937093313987791716297259294404240787898515981799475248091913789298771782383555351070887222606896512585853888628785152"},
		{name: "infinity is a float, but the sum is refused", missing: true, incr: "inf", wantErr: ErrNaNOrInf},
		{name: "minus infinity is refused", missing: true, incr: "-inf", wantErr: ErrNaNOrInf},
		{name: "infinity in any case is refused", missing: true, incr: "INFinity", wantErr: ErrNaNOrInf},
		{name: "a stored infinity cannot be incremented", value: "inf", incr: "0", wantErr: ErrNaNOrInf},
		{name: "infinity minus infinity is NaN", value: "-inf", incr: "inf", wantErr: ErrNaNOrInf},
		{name: "a sum that overflows is refused", value: "1e4932", incr: "1e4932", wantErr: ErrNaNOrInf},
		{name: "a stored value that is not a float", value: "abc", incr: "1", wantErr: ErrNotFloat},
		{name: "an increment that is not a float", value: "1", incr: "abc", wantErr: ErrNotFloat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := incrByFloat(tc.value, tc.incr, tc.missing)
			if err != tc.wantErr || got != tc.want {
				t.Errorf("%q + %q = %q, %v; want %q, %v", tc.value, tc.incr, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestParseLongDoubleRefusesWhatRedisRefuses(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", " 1", "1 ", "\t1", "1\x00abc", "abc", "nan", "NaN", "-nan", "nan(123)", "infinit", "infinityy",
		"0x", "0x.", "0x1p", "0x1p+", "1e", "1e+", "e5", ".", "-", "+", "++1", "--1", "1.2.3", "1_0", "1,5",
		"1e5000", "1.19e4932", "-1.19e4932", "1e-5000", "1e-4952", "1e-99999999999999999999999",
		"0x1p16384", "0x1p-16447", strings.Repeat("1", 5119), "0." + strings.Repeat("0", 5118),
	} {
		if x, ok := ParseLongDouble([]byte(in)); ok {
			t.Errorf("ParseLongDouble(%q) = %+v, want refused", in, x)
		}
	}
}

func TestParseLongDoubleRoundsAtTheEdgesOfTheRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		mant     uint64
		exp      int32
		wantFail bool
	}{
		{in: "0x1p-16445", mant: 1, exp: ldMinExp},
		{in: "0x1.8p-16446", mant: 1, exp: ldMinExp}, // 0.75 of the smallest subnormal rounds up
		{in: "0x1.0000000000000001p-16446", mant: 1, exp: ldMinExp},
		{in: "0x1p-16446", wantFail: true}, // exactly half: ties to even, which is zero
		{in: "0x1p-16382", mant: 1 << 63, exp: ldMinExp},
		{in: "0x1.fffffffffffffffep16383", mant: 1<<64 - 1, exp: ldMaxExp},
		{in: "0x1.ffffffffffffffffp16383", wantFail: true}, // rounds up to 2^16384
		{in: "1", mant: 1 << 63, exp: -63},
		{in: "0x3", mant: 3 << 62, exp: -62},
	}
	for _, tc := range tests {
		x, ok := ParseLongDouble([]byte(tc.in))
		switch {
		case tc.wantFail && ok:
			t.Errorf("ParseLongDouble(%q) = %+v, want refused", tc.in, x)
		case !tc.wantFail && (!ok || x.mant != tc.mant || x.exp != tc.exp):
			t.Errorf("ParseLongDouble(%q) = %+v, %v; want mant %#x exp %d", tc.in, x, ok, tc.mant, tc.exp)
		}
	}
}

func TestLongDoubleBinaryFormRoundTrips(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"0", "-0", "1", "-2.5", "inf", "-inf", "0x1p-16445", "1e4932", "0.1"} {
		x, ok := ParseLongDouble([]byte(in))
		if !ok {
			t.Fatalf("ParseLongDouble(%q) refused", in)
		}
		b := x.AppendBinary(nil)
		y, ok := DecodeLongDouble(b)
		if !ok || y != x {
			t.Errorf("%q: decoded %+v, %v from %x; want %+v", in, y, ok, b, x)
		}
	}
}

func TestDecodeLongDoubleRefusesWhatAppendBinaryNeverWrites(t *testing.T) {
	t.Parallel()
	valid, _ := ParseLongDouble([]byte("1"))
	good := valid.AppendBinary(nil)
	edit := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	for name, b := range map[string][]byte{
		"too short":            good[:12],
		"too long":             append(append([]byte(nil), good...), 0),
		"unknown flags":        edit(func(b []byte) { b[0] = 4 }),
		"an unnormalised mant": edit(func(b []byte) { b[5] = 0 }),
		"an exponent too big":  edit(func(b []byte) { b[1], b[2] = 0x7f, 0xff }),
		"an infinity with a mantissa": edit(func(b []byte) {
			b[0] = 2
		}),
	} {
		if x, ok := DecodeLongDouble(b); ok {
			t.Errorf("%s: DecodeLongDouble(%x) = %+v, want refused", name, b, x)
		}
	}
}

// FuzzIncrByFloat checks that parsing never panics, that what parses survives the binary form, and
// that a result, parsed again, is the value it was printed from rounded to 17 decimals (so
// printing it again gives the same text).
func FuzzIncrByFloat(f *testing.F) {
	for _, s := range []string{"10.5", "0.1", "1e20", "-1e-20", "0x1p-3", "inf", "1e4932", "0x1p-16445", ".5", "5."} {
		f.Add(s, "0.1")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, okX := ParseLongDouble([]byte(a))
		y, okY := ParseLongDouble([]byte(b))
		if !okX || !okY {
			return
		}
		if z, ok := DecodeLongDouble(x.AppendBinary(nil)); !ok || z != x {
			t.Fatalf("binary round trip of %q: %+v -> %+v", a, x, z)
		}
		sum, ok := x.Add(y)
		if !ok {
			return
		}
		out := sum.AppendHuman(nil)
		again, ok := ParseLongDouble(out)
		if !ok {
			t.Fatalf("%q + %q printed %q, which does not parse", a, b, out)
		}
		if out2 := again.AppendHuman(nil); string(out2) != string(out) {
			t.Fatalf("%q + %q printed %q, which prints as %q", a, b, out, out2)
		}
	})
}
