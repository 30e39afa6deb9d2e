package meaning

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxText is how much of a message's own words is read: the first 16 KiB,
// cut at a character boundary, so that reading a message costs the same
// whatever the length of its body.
const MaxText = 16 << 10

// maxSubject is how much of a subject is read.
const maxSubject = 1000

// token is one word of a clause.
type token struct {
	fold  string // lower-cased, accents removed: what patterns match
	low   string // lower-cased as written: what "=" pattern words match
	start int    // byte offsets in the clause's text
	end   int
	comma bool // a comma, colon or dash stands between it and the word before
	caps  bool // written in capitals, at least three letters
}

// clause is a sentence of the customer's words, split into tokens.
type clause struct {
	text     string
	toks     []token
	question bool // ends with "?" or starts with "¿"
	subject  bool // the subject line
	bangs    int  // runs of "!!" or more
	seq      int  // its place in the message
}

// clip returns at most n bytes of s, cut at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// clausesOf splits a subject and a text into clauses, the subject first.
func clausesOf(subject, text string) []*clause {
	var cs []*clause
	if strings.TrimSpace(subject) != "" {
		c := tokenize(subject)
		c.subject = true
		cs = append(cs, &c)
	}
	for _, s := range sentences(text) {
		c := tokenize(s)
		cs = append(cs, &c)
	}
	for i, c := range cs {
		c.seq = i
	}
	return cs
}

// sentences splits text into clauses: at . ! ? and ; and at line breaks
// that end a sentence or a paragraph. A line break inside a sentence (mail
// wrapped at 72 columns) joins the lines.
func sentences(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	var b strings.Builder
	flush := func() {
		if s := strings.TrimSpace(b.String()); s != "" {
			out = append(out, s)
		}
		b.Reset()
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			flush()
			continue
		}
		rs := []rune(line)
		for j, r := range rs {
			b.WriteRune(r)
			switch r {
			case '.', '!', '?', ';', '…', '。', '？', '！':
				// Keep runs of "?!" and "..." with their sentence; a
				// dot between digits or letters ("3.5", "e.g.") is not
				// an end.
				if j+1 < len(rs) && strings.ContainsRune(".!?…", rs[j+1]) {
					continue
				}
				if r == '.' && j+1 < len(rs) && !unicode.IsSpace(rs[j+1]) {
					continue
				}
				if r == '.' && abbreviated(rs[:j], rs[j+1:]) {
					continue
				}
				flush()
			}
		}
		// A line that ends without punctuation and is followed by one
		// starting in lower case continues the sentence.
		if i+1 < len(lines) {
			next := strings.TrimSpace(lines[i+1])
			r, _ := utf8.DecodeRuneInString(next)
			if next != "" && (unicode.IsLower(r) || unicode.IsDigit(r)) && !endsSentence(line) && !greeting(line) {
				b.WriteByte(' ')
				continue
			}
		}
		flush()
	}
	flush()
	return out
}

// titles are abbreviations before a name or a size ("Dr. Pérez", "Fr.
// Berg", "str. L", "Gr. 38"), and
// shortened are those inside a sentence ("ca. 20", "z. B. die", "approx.
// 30", "ul. Polna"): neither ends a sentence.
var (
	titles    = wordSet(strings.Fields("dr dra mr mrs ms mme mlle hr fr prof sr sra srta sig st str strl stl gr tam rozm")...)
	shortened = wordSet(strings.Fields("ca approx appr approximately etc eg ie vs incl excl ref tel nr no num kr bzw ggf evtl inkl zzgl exkl usw vgl ua od sog ev env cf ex aprox pag ej ecc ul godz np tzn tj itd itp wg dz ds bl ev evt mvh pga fx bv bijv ong resp dvs osv mm vd ud uds")...)
)

// abbreviated reports a dot that shortens a word rather than ends a
// sentence: after a title, or after a common abbreviation when the
// sentence goes on in lower case or with a number ("ca. 20 Stück").
func abbreviated(before, after []rune) bool {
	if len(after) > 8 {
		after = after[:8] // what follows the dot is all that matters
	}
	i := len(before)
	for i > 0 && unicode.IsLetter(before[i-1]) {
		i--
	}
	word := strings.ToLower(string(before[i:]))
	if word == "" || i > 0 && !unicode.IsSpace(before[i-1]) && before[i-1] != '(' && before[i-1] != '.' {
		return false
	}
	if titles[word] {
		return true
	}
	if len([]rune(word)) == 1 {
		// "z. B.", "d. h.", "u. a.": a letter, a dot, a letter, a dot;
		// or a letter, a dot, and the sentence goes on in lower case.
		a := strings.TrimLeft(string(after), " ")
		r, n := utf8.DecodeRuneInString(a)
		if unicode.IsLetter(r) && strings.HasPrefix(a[n:], ".") {
			return true
		}
	} else if !shortened[word] {
		return false
	}
	for _, r := range after {
		if unicode.IsSpace(r) {
			continue
		}
		return unicode.IsLower(r) || unicode.IsDigit(r)
	}
	return false
}

func endsSentence(line string) bool {
	r, _ := utf8.DecodeLastRuneInString(line)
	return strings.ContainsRune(".!?…:;", r)
}

// greeting reports a salutation line such as "Hi Pam," that ends with a comma.
func greeting(line string) bool {
	return strings.HasSuffix(line, ",") && len(strings.Fields(line)) <= 4
}

// tokenize splits a clause into words. English contractions become two
// words ("doesn't" gives "does" "not", "can't" gives "can" "not"); other
// apostrophes and hyphens split words ("j'ai" gives "j" "ai",
// "pouvez-vous" gives "pouvez" "vous"). Emoji are words of their own.
func tokenize(s string) clause {
	c := clause{text: s}
	t := strings.TrimSpace(s)
	end := strings.TrimRight(t, "!.) ！")
	c.question = strings.HasSuffix(end, "?") || strings.HasSuffix(end, "？") || strings.HasSuffix(end, "؟") ||
		strings.HasPrefix(t, "¿") || strings.Contains(t, "?!") || strings.Contains(t, "??")
	c.bangs = strings.Count(s, "!!")
	pendingComma := false
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isWordRune(r):
			j := i
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) {
					break
				}
				j += n2
			}
			word := s[i:j]
			c.addWord(word, i, j, pendingComma)
			pendingComma = false
			i = j
			continue
		case r == '\'' || r == '’':
			// "doesn't": the word before ends in n, the next is t.
			if n := len(c.toks); n > 0 && c.toks[n-1].end == i && strings.HasPrefix(s[i+size:], "t") &&
				strings.HasSuffix(c.toks[n-1].low, "n") && !wordContinues(s[i+size+1:]) {
				c.contraction(i + size + 1)
				i += size + 1
				continue
			}
		case r == ',' || r == ':' || r == '–' || r == '—' || r == '(' || r == ')':
			pendingComma = true
		case isEmoji(r):
			c.toks = append(c.toks, token{fold: string(r), low: string(r), start: i, end: i + size, comma: pendingComma})
			pendingComma = false
		}
		i += size
	}
	return c
}

func wordContinues(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

// contraction turns the last word and a following "t" into "<verb> not".
func (c *clause) contraction(end int) {
	last := &c.toks[len(c.toks)-1]
	verb := strings.TrimSuffix(last.low, "n")
	switch verb {
	case "ca": // can't
		verb = "can"
	case "wo": // won't
		verb = "will"
	case "sha":
		verb = "shall"
	case "ai": // ain't
		verb = "is"
	}
	start := last.start
	*last = token{fold: fold(verb), low: verb, start: start, end: end, comma: last.comma, caps: last.caps}
	c.toks = append(c.toks, token{fold: "not", low: "not", start: start, end: end})
}

func (c *clause) addWord(word string, start, end int, comma bool) {
	low := strings.ToLower(word)
	caps := false
	if letters := countLetters(word); letters >= 3 && strings.ToUpper(word) == word && strings.ToLower(word) != word {
		caps = true
	}
	c.toks = append(c.toks, token{fold: fold(low), low: low, start: start, end: end, comma: comma, caps: caps})
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// isEmoji reports the pictographs customers use to show a feeling.
func isEmoji(r rune) bool {
	return r >= 0x1F300 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF
}

// folds maps accented Latin letters to the letters written without them,
// so that "decu", "déçu" and "DÉÇU" match the same pattern word.
var folds = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ą': "a", 'ă': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ı': "i",
	'ł': "l", 'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o",
	'œ': "oe", 'ř': "r", 'ś': "s", 'š': "s", 'ș': "s", 'ş': "s", 'ß': "ss",
	'ť': "t", 'ț': "t", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
}

// fold lower-cases s and removes accents.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || 'A' <= s[i] && s[i] <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := folds[r]; ok {
			b.WriteString(f)
		} else if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
