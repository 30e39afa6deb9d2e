package inbox

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Dates in forwarded header blocks are written for people, in the
// forwarder's language: "Mi., 27. Okt. 2021 um 09:31 Uhr",
// "26 de octubre de 2021, 14:25:08 EEST", "2021年10月28日 12:46". They are
// read token by token: a numeric or CJK date, else a year, a day and a
// month name (from a table of stems in many languages), a time, an AM/PM
// marker and a zone. A date without a zone is read as UTC.

var (
	ymdDate   = regexp.MustCompile(`(\d{4})\s*[-/.年년]\s*(\d{1,2})\s*[-/.月월]\s*(\d{1,2})`)
	dmyDate   = regexp.MustCompile(`(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})(?:\D|$)`)
	clockTime = regexp.MustCompile(`(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?`)
	gmtOffset = regexp.MustCompile(`(?i)(?:gmt|utc)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?`)
	numOffset = regexp.MustCompile(`(?:^|\s|\()([+-])(\d{2}):?(\d{2})(?:\s|\)|$)`)
	yearNum   = regexp.MustCompile(`(?:^|\D)((?:19|20)\d{2})(?:\D|$)`)
	dayNum    = regexp.MustCompile(`(?:^|\D)(\d{1,2})(?:\D|$)`)
)

var zoneOffsets = map[string]int{
	"utc": 0, "gmt": 0, "ut": 0, "wet": 0, "wez": 0, "west": 1, "wesz": 1, "bst": 1, "cet": 1,
	"mez": 1, "cest": 2, "mesz": 2, "eet": 2, "oez": 2, "eest": 3, "oesz": 3, "msk": 3,
	"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
	"akst": -9, "akdt": -8, "hst": -10, "jst": 9, "kst": 9, "sgt": 8, "hkt": 8,
	"aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13,
}

// monthStems maps lower-cased month-name stems in many languages to the
// month. The longest matching stem wins ("marras" is Finnish November,
// "červenc" Czech July).
var monthStems = func() []monthStem {
	table := map[time.Month][]string{
		1:  {"jan", "ene", "gen", "jän", "sty", "led", "tammi", "ocak", "ιαν", "янв", "ian", "січ"},
		2:  {"feb", "fév", "fev", "lut", "únor", "úno", "helmi", "şub", "φεβ", "фев", "лют"},
		3:  {"mar", "mär", "mrt", "bře", "maalis", "márc", "μαρ", "мар", "бер"},
		4:  {"apr", "avr", "abr", "kwi", "dub", "huhti", "ápr", "nis", "απρ", "апр", "кві"},
		5:  {"may", "mai", "mag", "mei", "maj", "kvě", "touko", "máj", "μαΐ", "μαι", "мая", "май", "тра"},
		6:  {"jun", "juin", "giu", "czer", "červen", "červn", "kesä", "jún", "haz", "ιουν", "июн", "iun", "чер"},
		7:  {"jul", "juil", "lug", "lip", "červenc", "července", "čec", "heinä", "júl", "tem", "ιουλ", "июл", "iul", "лип"},
		8:  {"aug", "aoû", "aou", "ago", "agu", "sier", "srp", "elo", "ağu", "αυγ", "авг", "сер"},
		9:  {"sep", "set", "wrz", "září", "zář", "syys", "szep", "eyl", "σεπ", "сен", "вер"},
		10: {"oct", "okt", "out", "ott", "paź", "říj", "loka", "ekim", "οκτ", "окт", "жов"},
		11: {"nov", "noi", "lis", "marras", "kas", "νοε", "ноя", "лис"},
		12: {"dec", "déc", "dez", "dic", "gru", "pro", "joulu", "ara", "δεκ", "дек", "гру"},
	}
	var out []monthStem
	for m, stems := range table {
		for _, s := range stems {
			out = append(out, monthStem{s, m})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].stem) != len(out[j].stem) {
			return len(out[i].stem) > len(out[j].stem)
		}
		return out[i].stem < out[j].stem
	})
	return out
}()

type monthStem struct {
	stem  string
	month time.Month
}

func monthOf(word string) time.Month {
	if len([]rune(word)) < 3 {
		return 0
	}
	for _, ms := range monthStems {
		if strings.HasPrefix(word, ms.stem) {
			return ms.month
		}
	}
	return 0
}

// dateLike reports whether a header value looks like a date: it has a
// four-digit year, a numeric date or a CJK date.
func dateLike(v string) bool {
	if len(v) > 200 || strings.Contains(v, "@") {
		return false
	}
	return yearNum.MatchString(v) || dmyDate.MatchString(v) || ymdDate.MatchString(v)
}

// parseForwardDate reads a date as written in a forwarded header block, in
// any of many languages. It reports false if no year, month and day are
// found.
func parseForwardDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 200 {
		return time.Time{}, false
	}
	if t, ok := parseDate(v); ok {
		return t, true
	}
	s := strings.ToLower(v)
	loc := time.UTC
	if m := gmtOffset.FindStringSubmatchIndex(s); m != nil {
		loc = fixedZone(s[m[2]:m[3]], s[m[4]:m[5]], sub(s, m, 6))
		s = s[:m[0]] + " " + s[m[1]:]
	} else if m := numOffset.FindStringSubmatchIndex(s); m != nil {
		loc = fixedZone(s[m[2]:m[3]], s[m[4]:m[5]], s[m[6]:m[7]])
		s = s[:m[0]] + " " + s[m[1]:]
	}
	var year, day int
	var month time.Month
	if m := ymdDate.FindStringSubmatchIndex(s); m != nil {
		year, month, day = atoi(s[m[2]:m[3]]), time.Month(atoi(s[m[4]:m[5]])), atoi(s[m[6]:m[7]])
		s = s[:m[0]] + " " + s[m[1]:]
	} else if m := dmyDate.FindStringSubmatchIndex(s); m != nil {
		a, b := atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]])
		year = atoi(s[m[6]:m[7]])
		if year < 100 {
			year += 2000
		}
		if b > 12 || (a <= 12 && hasMeridiem(s)) {
			a, b = b, a // month first, as in the US
		}
		day, month = a, time.Month(b)
		s = s[:m[0]] + " " + s[m[1]:]
	}
	hour, min, secs := 0, 0, 0
	if m := clockTime.FindStringSubmatchIndex(s); m != nil {
		hour, min, secs = atoi(s[m[2]:m[3]]), atoi(s[m[4]:m[5]]), atoi(sub(s, m, 6))
		before, after := s[:m[0]], s[m[1]:]
		switch {
		case (pmMarker(after) || pmBefore(before)) && hour < 12 && !amMarker(after):
			hour += 12
		case amMarker(after) && hour == 12:
			hour = 0
		}
		s = s[:m[0]] + " " + after
	}
	numeric := month != 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if off, ok := zoneOffsets[w]; ok {
			if loc == time.UTC {
				loc = time.FixedZone(strings.ToUpper(w), off*3600)
			}
		} else if mo := monthOf(w); mo != 0 && !numeric {
			month = mo // the last month word wins over a weekday such as "mar."
		}
	}
	if year == 0 {
		m := yearNum.FindStringSubmatchIndex(s)
		if m == nil {
			return time.Time{}, false
		}
		year = atoi(s[m[2]:m[3]])
		s = s[:m[2]] + " " + s[m[3]:]
	}
	if day == 0 {
		if m := dayNum.FindStringSubmatch(s); m != nil {
			day = atoi(m[1])
		}
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || secs > 60 {
		return time.Time{}, false
	}
	return time.Date(year, month, day, hour, min, secs, 0, loc), true
}

func sub(s string, m []int, i int) string {
	if m[i] < 0 {
		return ""
	}
	return s[m[i]:m[i+1]]
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func fixedZone(sign, hh, mm string) *time.Location {
	off := atoi(hh)*3600 + atoi(mm)*60
	if off > 14*3600 {
		return time.UTC
	}
	if sign == "-" {
		off = -off
	}
	return time.FixedZone("", off)
}

func hasMeridiem(s string) bool {
	if m := clockTime.FindStringIndex(s); m != nil {
		return pmMarker(s[m[1]:]) || amMarker(s[m[1]:])
	}
	return false
}

func pmMarker(after string) bool {
	return markerIn(after, "pm", "p.m.", "p. m.", "μ.μ.", "μμ", "午後", "下午", "오후", "du.")
}

func amMarker(after string) bool {
	return markerIn(after, "am", "a.m.", "a. m.", "π.μ.", "πμ", "午前", "上午", "오전", "de.")
}

// markerIn reports whether after (the text following a time) starts with,
// or right after a blank has, one of the markers as a whole word.
func markerIn(after string, markers ...string) bool {
	t := strings.TrimLeft(after, " \t")
	for _, m := range markers {
		if strings.HasPrefix(t, m) {
			rest := t[len(m):]
			if rest == "" || !unicode.IsLetter([]rune(rest)[0]) || strings.HasSuffix(m, ".") {
				return true
			}
		}
	}
	return false
}

// pmBefore reports an afternoon marker written before the time, as in
// Korean, Chinese and Japanese ("오후 3:30", "下午3:30", "午後3:30").
func pmBefore(before string) bool {
	return strings.Contains(before, "오후") || strings.Contains(before, "下午") || strings.Contains(before, "午後")
}
