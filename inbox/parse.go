package inbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// DefaultMaxSize is the size limit Parse applies when given 0, and the
// limit of ParseBytes.
const DefaultMaxSize = 25 << 20

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
	msg *Message
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
	m.InReplyTo = lastIDs(parseMsgIDs(h.Get("In-Reply-To")), maxInReplyTo)
	m.References = lastIDs(parseMsgIDs(strings.Join(h.Values("References"), " ")), MaxReferences)

	p.body(body)
	return m, nil
}

// MaxReferences is how many References a message keeps, the most recent:
// a thread's answer names the mail it answers last, and a sender who
// writes thousands must not make every lookup of them cost as much.
const MaxReferences = 50

const maxInReplyTo = 5

// lastIDs returns the last n of ids.
func lastIDs(ids []string, n int) []string {
	if len(ids) > n {
		return ids[len(ids)-n:]
	}
	return ids
}

func (p *parser) headerProblems(where string, bad int, noSep bool) {
	if bad > 0 {
		p.msg.problemf("%s header: %d stray continuation line(s) skipped", where, bad)
	}
	if noSep {
		p.msg.problemf("%s header: no blank line before the body", where)
	}
}

// Limits on the MIME structure. enmime has none of its own: it makes a
// Part (and a 4 KiB reader) for every delimiter line and stacks one
// boundary reader per nesting level, each re-reading every byte below it.
// The guard keeps both bounded before enmime sees the message.
const (
	maxParts      = 500 // MIME parts per message
	maxBoundaries = 10  // distinct multipart boundaries; bounds nesting depth
)

// mimeGuard prepares what enmime reads and vets every media type enmime
// parses (through enmime.SetCustomParseMediaType).
type mimeGuard struct {
	p      *parser
	header string // the top-level MIME fields handed to enmime
	body   []byte

	boundaries map[string]bool // boundary → allowed; examined ones only
	examined   int             // boundaries counted against the limits
	parts      int             // delimiter lines of the allowed boundaries
}

// newMIMEGuard builds enmime's input: the top-level MIME fields from the
// header already read by splitHeader (enmime's own header reader would
// take a body that lacks the blank line as header continuation lines),
// then the body. A top-level boundary that never occurs is replaced by a
// guessed one, and a body with too many parts is cut after the last one
// allowed.
func newMIMEGuard(p *parser, body []byte) *mimeGuard {
	g := &mimeGuard{p: p, body: body, boundaries: map[string]bool{}}
	h := p.msg.Header
	var b strings.Builder
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-Id"} {
		v := strings.TrimSpace(h.Get(k))
		if k == "Content-Type" {
			if mt, params, ok := lenientMediaType(v); ok && strings.HasPrefix(mt, "multipart/") {
				v = g.topBoundary(v, mt, params["boundary"])
			}
		}
		if v != "" {
			v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	g.header = b.String()
	return g
}

func (g *mimeGuard) reader() io.Reader {
	return io.MultiReader(strings.NewReader(g.header), bytes.NewReader(g.body))
}

// topBoundary returns the Content-Type to hand enmime for a top-level
// multipart with boundary b.
func (g *mimeGuard) topBoundary(ct, mt, b string) string {
	n := 0
	if b != "" {
		n, _ = delimiterLines(g.body, b, -1)
	}
	if n == 0 {
		// No library guesses a boundary; mail with a mangled one is common
		// enough (relays rewriting headers, hand-made scripts) to try.
		guess := guessBoundary(g.body)
		if guess != "" && guess != b {
			if n, _ = delimiterLines(g.body, guess, -1); n > 0 {
				if ct2 := mime.FormatMediaType(mt, map[string]string{"boundary": guess}); ct2 != "" {
					g.p.msg.problemf("multipart boundary %q not found; using %q", b, guess)
					ct, b = ct2, guess
				}
			}
		}
		if n == 0 {
			g.p.msg.problemf("multipart boundary %q not found; body read as text", b)
			return "text/plain"
		}
	}
	if n, cut := delimiterLines(g.body, b, maxParts-1); n == maxParts-1 && cut < len(g.body) {
		g.p.msg.problemf("more than %d MIME parts: rest ignored", maxParts)
		g.body = g.body[:cut]
	}
	n, _ = delimiterLines(g.body, b, -1)
	g.boundaries[b] = true
	g.examined, g.parts = 1, n
	return ct
}

// parseMediaType is enmime's own media type parser with two changes: a
// value it rejects is read leniently instead of failing the part, and a
// boundary is kept only within the limits (otherwise the part is left
// undivided).
func (g *mimeGuard) parseMediaType(v string) (string, map[string]string, []string, error) {
	mt, params, invalid, err := mediatype.Parse(addSemicolon(v))
	if err != nil {
		g.p.msg.problemf("malformed MIME header value %q read leniently", clip(v, 100))
		mt, params, _ = lenientMediaType(v)
		invalid = nil
	}
	if params == nil {
		params = map[string]string{}
	}
	if b, ok := params["boundary"]; ok && !g.allow(b) {
		delete(params, "boundary")
	}
	return mt, params, invalid, nil
}

// allow reports whether enmime may split a part at boundary b.
func (g *mimeGuard) allow(b string) bool {
	if ok, seen := g.boundaries[b]; seen {
		return ok
	}
	ok := false
	switch {
	case b == "":
	case g.examined >= maxBoundaries:
		g.p.msg.problemf("MIME nesting deeper than %d boundaries: inner parts ignored", maxBoundaries)
	default:
		g.examined++
		room := maxParts - 1 - g.parts
		n, _ := delimiterLines(g.body, b, room)
		if n == room && room > 0 {
			if m, _ := delimiterLines(g.body, b, room+1); m > room {
				n = room + 1
			}
		}
		if n > room {
			g.p.msg.problemf("more than %d MIME parts: parts within boundary %q ignored", maxParts, b)
		} else {
			ok = true
			g.parts += n
		}
	}
	g.boundaries[b] = ok
	return ok
}

// delimiterLines counts the lines enmime takes as delimiters of boundary
// b: those whose first "--b" is followed by white space. It stops before
// line limit+1 (limit < 0: no limit) and returns where that line starts,
// or len(body).
func delimiterLines(body []byte, b string, limit int) (n, cut int) {
	delim := []byte("--" + b)
	for pos := 0; pos < len(body); {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		at := pos + i
		end := at + len(delim)
		if end < len(body) && unicode.IsSpace(rune(body[end])) {
			if n == limit {
				return n, pos + bytes.LastIndexByte(body[pos:at], '\n') + 1
			}
			n++
		}
		nl := bytes.IndexByte(body[end:], '\n')
		if nl < 0 {
			break
		}
		pos = end + nl + 1
	}
	return n, len(body)
}

// guessBoundary returns the first boundary used by at least two
// delimiter lines in body, or "".
func guessBoundary(body []byte) string {
	counts := map[string]int{}
	var order []string
	for rest := body; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if len(line) < 4 || !bytes.HasPrefix(line, []byte("--")) || bytes.ContainsAny(line, " \t") {
			continue
		}
		b := string(bytes.TrimSuffix(line[2:], []byte("--")))
		if b == "" {
			continue
		}
		if counts[b] == 0 {
			if len(order) >= 1000 {
				continue
			}
			order = append(order, b)
		}
		counts[b]++
	}
	for _, b := range order {
		if counts[b] >= 2 {
			return b
		}
	}
	return ""
}
