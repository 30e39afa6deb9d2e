package inbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DefaultMaxSize is the size limit Parse applies when given 0, and the
// limit of ParseBytes.
const DefaultMaxSize = 25 << 20

const (
	maxDepth = 20  // MIME nesting depth
	maxParts = 500 // MIME parts per message
)

// ErrNoHeader is returned when the input holds no header field at all.
var ErrNoHeader = errors.New("inbox: no header found")

// Parse reads one raw RFC 5322 message. It is lenient: malformed structure
// (broken boundaries, unknown charsets, 8-bit headers, missing From) yields
// a Message with Problems filled rather than an error, and it never
// panics. It returns an error only when r fails or when no header field
// at all can be read (ErrNoHeader).
//
// Parse reads at most maxSize bytes (0 or less means DefaultMaxSize); a
// longer message is cut there, parsed as far as it goes, and marked
// Truncated. MIME nesting depth and part count are capped too.
func Parse(r io.Reader, maxSize int64) (*Message, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	truncated := int64(len(raw)) > maxSize
	if truncated {
		raw = raw[:maxSize]
	}
	return parse(raw, truncated)
}

// ParseBytes parses raw like Parse with the default size limit. The
// returned Message does not refer to raw.
func ParseBytes(raw []byte) (*Message, error) {
	truncated := len(raw) > DefaultMaxSize
	if truncated {
		raw = raw[:DefaultMaxSize]
	}
	return parse(raw, truncated)
}

// parser holds the state of one Parse call.
type parser struct {
	msg   *Message
	parts int
}

func parse(raw []byte, truncated bool) (*Message, error) {
	m := &Message{Size: len(raw), Truncated: truncated}
	p := &parser{msg: m}
	if truncated {
		m.problemf("message longer than %d bytes: truncated", len(raw))
	}
	h, body, fields, bad, noSep := splitHeader(raw)
	if fields == 0 {
		return nil, ErrNoHeader
	}
	p.headerProblems("message", bad, noSep)
	m.Header = h

	m.MessageID = firstMsgID(h.Get("Message-Id"))
	if m.MessageID == "" {
		m.problemf("missing Message-ID")
	}
	if from := p.addressList("From"); len(from) > 0 {
		m.From = from[0]
	} else if v := h.Get("From"); v != "" {
		m.problemf("unreadable From %q", v)
	} else {
		m.problemf("missing From")
	}
	if s := p.addressList("Sender"); len(s) > 0 {
		m.Sender = s[0]
	}
	m.ReplyTo = p.addressList("Reply-To")
	m.To = p.addressList("To")
	m.Cc = p.addressList("Cc")
	m.Subject = strings.TrimSpace(p.headerText(h, "Subject"))
	if v := h.Get("Date"); v != "" {
		if t, ok := parseDate(v); ok {
			m.Date = t
		} else {
			m.problemf("unparseable Date %q", v)
		}
	}
	m.InReplyTo = parseMsgIDs(h.Get("In-Reply-To"))
	m.References = parseMsgIDs(strings.Join(h.Values("References"), " "))

	segs := p.entity(h, body, 0)
	p.setBody(segs)
	return m, nil
}

func (p *parser) headerProblems(where string, bad int, noSep bool) {
	if bad > 0 {
		p.msg.problemf("%s header: %d stray continuation line(s) skipped", where, bad)
	}
	if noSep {
		p.msg.problemf("%s header: no blank line before the body", where)
	}
}

// setBody joins the body segments into Text and HTML.
func (p *parser) setBody(segs []segment) {
	var text, html strings.Builder
	for _, s := range segs {
		t := s.plain
		if strings.TrimSpace(t) == "" && s.html != "" {
			t = p.htmlToText(s.html)
			p.msg.TextFromHTML = true
		}
		appendBlock(&text, t)
		appendBlock(&html, s.html)
	}
	p.msg.Text = text.String()
	p.msg.HTML = html.String()
}

// appendBlock appends s to b, separated by a newline.
func appendBlock(b *strings.Builder, s string) {
	if s == "" {
		return
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
	b.WriteString(s)
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}
