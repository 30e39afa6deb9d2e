package inbox

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on the work done per message: only the start of a very long body
// is scanned for a forwarded header block.
const (
	maxForwardScan  = 1 << 20 // bytes of body text
	maxForwardLines = 20000
	maxBlockFields  = 14
)

// fline is one body line with its quote markers counted and removed.
type fline struct {
	raw    string // the line as written (minus invisible characters)
	text   string // without quote markers, trimmed
	depth  int    // number of ">" quote markers
	indent bool   // the content after the quote markers starts with white space
}

// splitLines cuts s into lines for forward detection, within the scan bounds.
func splitLines(s string) []fline {
	if len(s) > maxForwardScan {
		s = strings.ToValidUTF8(s[:maxForwardScan], "")
	}
	raw := strings.Split(s, "\n")
	if len(raw) > maxForwardLines {
		raw = raw[:maxForwardLines]
	}
	out := make([]fline, len(raw))
	for i, r := range raw {
		r = cleanInvisible(strings.TrimRight(r, "\r"))
		rest, depth := stripQuotes(r, -1)
		out[i] = fline{
			raw:    r,
			text:   strings.TrimSpace(rest),
			depth:  depth,
			indent: rest != "" && (rest[0] == ' ' || rest[0] == '\t'),
		}
	}
	return out
}

// cleanInvisible removes byte order marks and zero-width characters and
// turns no-break spaces into spaces.
func cleanInvisible(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\ufeff', '\u200b', '\u200c', '\u200d', '\u2060', '\u200e', '\u200f':
			return -1
		case '\u00a0', '\u202f', '\u2007', '\u3000':
			return ' '
		}
		return r
	}, s)
}

// stripQuotes removes up to max leading ">" quote markers (all if max < 0),
// each with one following space, and returns the rest and how many were
// removed.
func stripQuotes(s string, max int) (string, int) {
	depth := 0
	for max < 0 || depth < max {
		t := strings.TrimLeft(s, " \t")
		if !strings.HasPrefix(t, ">") {
			break
		}
		s = strings.TrimPrefix(t[1:], " ")
		depth++
	}
	return s, depth
}

// field is one "Label: value" line of a header block.
type field struct {
	label, value string
	kind         fieldKind
}

// parseLabelLine splits a "Label: value" line. The label is one to four
// words of letters, optionally wrapped in "*" or "_" (bold from HTML), and
// the colon may be preceded by white space (French "De :") or be the
// full-width "：".
func parseLabelLine(s string) (field, bool) {
	s = strings.TrimLeft(s, "*_ \t")
	i := strings.IndexAny(s, ":：")
	if i <= 0 || i > 48 {
		return field{}, false
	}
	label := strings.Trim(s[:i], "*_ \t")
	_, size := firstRune(s[i:])
	value := strings.TrimSpace(strings.TrimLeft(s[i+size:], "*_ \t"))
	if !validLabel(label) || strings.HasPrefix(value, "//") {
		return field{}, false
	}
	return field{label: label, value: value, kind: labelKind(label)}, true
}

func validLabel(label string) bool {
	words := strings.Fields(label)
	if len(words) == 0 || len(words) > 4 || utf8.RuneCountInString(label) > 32 {
		return false
	}
	switch strings.ToLower(label) {
	case "http", "https", "mailto", "tel", "ftp", "file", "cid", "urn", "sip":
		return false
	}
	letters := 0
	for _, r := range label {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsMark(r), r == ' ', r == '-', r == '.', r == '\'', r == '(', r == ')', r == '/':
		default:
			return false
		}
	}
	return letters > 0
}

// block is a run of "Label: value" lines: a forwarded message's header.
type block struct {
	start, end int // line indexes, end exclusive
	depth      int
	fields     []field
}

// readBlock reads the header block starting at line i, if any. Values that
// wrap onto an indented line, or an address list that continues on the
// next line, are joined.
func readBlock(lines []fline, i int) (block, bool) {
	b := block{start: i, depth: lines[i].depth}
	j := i
	for ; j < len(lines) && len(b.fields) < maxBlockFields; j++ {
		l := lines[j]
		if l.text == "" || l.depth != b.depth {
			break
		}
		if f, ok := parseLabelLine(l.text); ok && !(len(b.fields) > 0 && l.indent && f.kind == kindUnknown) {
			b.fields = append(b.fields, f)
			continue
		}
		if len(b.fields) == 0 {
			break
		}
		last := &b.fields[len(b.fields)-1]
		listGoesOn := strings.HasSuffix(last.value, ",") || strings.HasSuffix(last.value, ";") ||
			!strings.Contains(last.value, "@") && last.kind != kindSubject && last.kind != kindDate
		if l.indent || (listGoesOn && strings.Contains(l.text, "@")) {
			last.value = strings.TrimSpace(last.value + " " + l.text)
			continue
		}
		break
	}
	b.end = j
	return b, len(b.fields) >= 2
}

// ruleLine reports whether s is a separator such as "_____" or "-----".
func ruleLine(s string) bool {
	if utf8.RuneCountInString(s) < 5 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("-_=—–~*", r) && r != ' ' {
			return false
		}
	}
	return true
}

// captionLine reads a separator with a caption such as
// "---------- Forwarded message ---------" or "-----Original Message-----".
// rest is what follows the closing dashes on the same line (Yahoo puts the
// whole header there).
func captionLine(s string) (caption, rest string, ok bool) {
	t := strings.TrimLeft(s, " \t")
	open := len(t) - len(strings.TrimLeft(t, "-=_"))
	if open < 2 {
		return "", "", false
	}
	t = t[open:]
	end := strings.Index(t, "--")
	if end < 0 {
		end = strings.Index(t, "==")
	}
	if end <= 0 || end > 80 {
		return "", "", false
	}
	caption = strings.TrimSpace(t[:end])
	rest = strings.TrimSpace(strings.TrimLeft(t[end:], "-=_ \t"))
	if caption == "" || strings.Contains(caption, "@") || !strings.ContainsFunc(caption, unicode.IsLetter) {
		return "", "", false
	}
	return caption, rest, true
}

// introLine reports whether s is a short line ending in a colon that
// introduces a forwarded message ("Begin forwarded message:",
// "Forwarded message:", "Anfang der weitergeleiteten Nachricht:").
func introLine(s string) bool {
	if !strings.HasSuffix(s, ":") && !strings.HasSuffix(s, "：") {
		return false
	}
	if strings.Contains(s, "@") || strings.ContainsFunc(s, unicode.IsDigit) {
		return false
	}
	n := len(strings.Fields(s))
	return n >= 1 && n <= 8 && utf8.RuneCountInString(s) <= 80
}
