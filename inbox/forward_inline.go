package inbox

import (
	"strings"
	"unicode"
)

// verdict is what one candidate forwarded header says about the sender.
type verdict int

const (
	notHeader verdict = iota // not a forwarded header after all
	found                    // the original sender
	ownSender                // the forwarder's own message: look deeper
	noAddress                // a sender label without an address: give up
)

// inlineForward scans text for forwarded header blocks, in order, and
// returns the first whose sender is not one of ex.
func inlineForward(text string, kind subjectKind, ex map[string]bool) (*Forward, bool) {
	lines := splitLines(text)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l.text == "" {
			continue
		}
		if caption, rest, ok := captionLine(l.text); ok && strings.Contains(rest, "@") {
			if kind == subjectReply && !hasForwardStem(caption) {
				continue
			}
			f, v := collapsedForward(lines, i, rest, ex)
			switch v {
			case found:
				return f, true
			case noAddress:
				return nil, false
			}
			continue
		}
		if b, ok := readBlock(lines, i); ok {
			f, v := blockForward(lines, b, kind, ex)
			switch v {
			case found:
				return f, true
			case noAddress:
				return nil, false
			case ownSender:
				i = b.end - 1
				continue
			}
		}
		if kind == subjectForward {
			if f, v, next := attributionForward(lines, i, ex); v == found {
				return f, true
			} else if v == ownSender {
				i = next - 1
			}
		}
	}
	return nil, false
}

// separatorBefore returns the index of the separator or intro line just
// above line i ("_____", "--- Forwarded message ---", "Begin forwarded
// message:"), skipping blank lines, or -1, and the separator's caption.
func separatorBefore(lines []fline, i int) (int, string) {
	for j, seen := i-1, 0; j >= 0 && seen < 3; j-- {
		t := lines[j].text
		if t == "" {
			seen++
			continue
		}
		if ruleLine(t) {
			return j, ""
		}
		if caption, rest, ok := captionLine(t); ok && rest == "" {
			return j, caption
		}
		if introLine(t) {
			return j, t
		}
		return -1, ""
	}
	return -1, ""
}

// blockForward decides whether block b is a forwarded header and reads it.
// A block counts when it has a known sender label and another known label,
// or three known labels, or by structure alone: three or more fields with
// an address and a date, below a separator (a date-like value is enough) or
// in a mail whose subject says it is a forward (the date must be readable,
// so that a signature with a year in it is not taken for a header).
func blockForward(lines []fline, b block, kind subjectKind, ex map[string]bool) (*Forward, verdict) {
	sep, caption := separatorBefore(lines, b.start)
	hasFrom, known, hasAddr, hasDate, realDate := false, 0, false, false, false
	for _, f := range b.fields {
		switch f.kind {
		case kindFrom:
			hasFrom = true
			known++
		case kindTo, kindCc, kindDate, kindSubject:
			known++
		}
		hasAddr = hasAddr || forwardEmail.MatchString(f.value)
		if !hasDate && dateLike(f.value) {
			hasDate = true
			_, realDate = parseForwardDate(f.value)
		}
	}
	strong := hasFrom && known >= 2 || known >= 3 && hasAddr
	structural := len(b.fields) >= 3 && hasAddr && (sep >= 0 && hasDate || kind == subjectForward && realDate)
	if !strong && !structural {
		return nil, notHeader
	}
	if kind == subjectReply && !hasForwardStem(caption) {
		return nil, notHeader
	}

	sender := -1
	for k, f := range b.fields {
		if f.kind == kindFrom {
			sender = k
			break
		}
	}
	if sender < 0 {
		for k, f := range b.fields {
			if (f.kind == kindUnknown || f.kind == kindDate || f.kind == kindSubject) && forwardEmail.MatchString(f.value) {
				sender = k
				break
			}
		}
	}
	if sender < 0 {
		return nil, notHeader
	}
	from, ok := parseSender(b.fields[sender].value)
	if !ok {
		return nil, noAddress
	}
	if ex[from.Key()] {
		return nil, ownSender
	}

	fw := &Forward{From: from, Source: SourceInline}
	subject, to, date := -1, -1, -1
	for k, f := range b.fields {
		switch {
		case k == sender:
		case f.kind == kindSubject && subject < 0:
			subject = k
		case f.kind == kindTo && to < 0:
			to = k
		case f.kind == kindDate && date < 0:
			date = k
		}
	}
	for k, f := range b.fields {
		if k == sender || f.kind != kindUnknown {
			continue
		}
		switch {
		case forwardEmail.MatchString(f.value):
			if to < 0 && k > sender {
				to = k
			}
		case dateLike(f.value):
			if date < 0 {
				date = k
			}
		case subject < 0 && f.value != "":
			subject = k
		}
	}
	if subject >= 0 {
		fw.Subject = b.fields[subject].value
	}
	if to >= 0 {
		fw.To = parseForwardList(b.fields[to].value)
	}
	if date >= 0 {
		fw.Date, _ = parseForwardDate(b.fields[date].value)
	}
	noteEnd := b.start
	if sep >= 0 {
		noteEnd = sep
	}
	fw.Note = joinRaw(lines[:noteEnd], 0)
	fw.Text = bodyBelow(lines, b.end, b.depth)
	return fw, found
}

// collapsedForward reads a Yahoo-style forward, whose whole header follows
// the separator on one line: "----- Forwarded Message ----- From: Ana
// <a@x>To: ...Sent: ...Subject: Hello".
func collapsedForward(lines []fline, i int, rest string, ex map[string]bool) (*Forward, verdict) {
	value := rest
	if f, ok := parseLabelLine(rest); ok {
		value = f.value
	}
	from, ok := parseSender(value)
	if !ok {
		return nil, noAddress
	}
	if ex[from.Key()] {
		return nil, ownSender
	}
	fw := &Forward{From: from, Source: SourceInline}
	subjAt, subjEnd := lastLabel(rest, kindSubject)
	if subjAt >= 0 {
		fw.Subject = strings.TrimSpace(rest[subjEnd:])
	}
	if dateAt, dateEnd := lastLabel(rest, kindDate); dateAt >= 0 {
		end := len(rest)
		if subjAt > dateAt {
			end = subjAt
		}
		fw.Date, _ = parseForwardDate(rest[dateEnd:end])
	}
	fw.Note = joinRaw(lines[:i], 0)
	fw.Text = bodyBelow(lines, i+1, lines[i].depth)
	return fw, found
}

// lastLabel finds the last "Label:" of the given kind written inside s
// (labels of four or more letters only, capitalized or lower-case) and
// returns where the label starts and where its value starts, or -1.
func lastLabel(s string, kind fieldKind) (at, valueAt int) {
	at, valueAt = -1, -1
	for label, k := range knownLabels {
		if k != kind || len([]rune(label)) < 4 {
			continue
		}
		r, size := firstRune(label)
		for _, form := range []string{label, string(unicode.ToUpper(r)) + label[size:]} {
			for _, colon := range []string{":", " :", "："} {
				if j := strings.LastIndex(s, form+colon); j > at {
					at, valueAt = j, j+len(form+colon)
				}
			}
		}
	}
	return at, valueAt
}

// joinRaw joins lines as written, removing depth quote levels, trimmed.
func joinRaw(lines []fline, depth int) string {
	var b strings.Builder
	for _, l := range lines {
		s := l.raw
		if depth > 0 {
			s, _ = stripQuotes(s, depth)
		}
		b.WriteString(strings.TrimRight(s, " \t"))
		b.WriteByte('\n')
	}
	return validString(strings.TrimSpace(b.String()))
}

// bodyBelow returns the text from line start on, at the given quote depth
// or deeper, with the quote levels that all of it shares removed.
func bodyBelow(lines []fline, start, depth int) string {
	end, shared := start, -1
	for end < len(lines) && (lines[end].text == "" || lines[end].depth >= depth) {
		if lines[end].text != "" && (shared < 0 || lines[end].depth < shared) {
			shared = lines[end].depth
		}
		end++
	}
	return joinRaw(lines[start:end], max(shared, depth))
}
