package inbox

import (
	"strings"
	"unicode/utf8"
)

// attributionForward reads a forward written as a quoted reply, "On
// <date>, Name <addr> wrote:" (in any language) followed by the message
// quoted or indented. The caller only asks when the subject has a forward
// prefix. The attribution may wrap onto a second line. next is the line
// after the attribution.
func attributionForward(lines []fline, i int, ex map[string]bool) (*Forward, verdict, int) {
	text, next := lines[i].text, i+1
	if !attributionEnd(text) && next < len(lines) && lines[next].depth == lines[i].depth &&
		attributionEnd(lines[next].text) && len(lines[next].text) < 80 {
		text, next = text+" "+lines[next].text, next+1
	}
	if !attributionEnd(text) || utf8.RuneCountInString(text) > 300 {
		return nil, notHeader, next
	}
	norm := normalizeMailto(text)
	loc := forwardEmail.FindStringIndex(norm)
	if loc == nil {
		return nil, notHeader, next
	}
	// The message must follow, quoted deeper or indented.
	body := next
	for body < len(lines) && lines[body].text == "" {
		body++
	}
	if body >= len(lines) || !(lines[body].depth > lines[i].depth || lines[body].indent) {
		return nil, notHeader, next
	}
	from, ok := parseSender(norm[loc[0]:loc[1]])
	if !ok {
		return nil, notHeader, next
	}
	if ex[from.Key()] {
		return nil, ownSender, next
	}
	before := norm[:loc[0]]
	from.Name = attributionName(before)
	if i := strings.LastIndex(before, from.Name); from.Name != "" && i >= 0 {
		before = before[:i] // keep names such as "Marco" out of the date
	}
	fw := &Forward{From: from, Source: SourceInline}
	fw.Date, _ = parseForwardDate(before)
	fw.Note = joinRaw(lines[:i], 0)
	depth := lines[i].depth
	if lines[body].depth > depth {
		depth++
	}
	fw.Text = dedent(bodyBelow(lines, next, depth))
	return fw, found, next
}

// attributionEnd reports whether s ends like an attribution line: a colon,
// possibly full-width, after some words.
func attributionEnd(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasSuffix(s, ":") || strings.HasSuffix(s, "：")
}

// dedent removes the white space that every non-blank line of s starts with.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	prefix := ""
	first := true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ws := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = ws, false
			continue
		}
		for !strings.HasPrefix(ws, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	if prefix == "" {
		return s
	}
	for k, l := range lines {
		lines[k] = strings.TrimPrefix(l, prefix)
	}
	return strings.Join(lines, "\n")
}
