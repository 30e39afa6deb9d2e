package inbox

import (
	"bufio"
	"bytes"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// splitHeader reads the header block at the start of raw leniently and
// returns it with the body that follows. Continuation lines before the
// first field are dropped and counted in bad; a line that is neither a
// field nor a continuation ends the header without a blank line (the body
// starts there) and sets noSep. The mbox "From " line and a UTF-8 byte
// order mark are skipped. Values are made valid UTF-8.
//
// This stays hand-written (around go-message's textproto.ReadHeader, which
// fails on any malformed line): enmime's header reader returns a map, so
// field order is lost, and it reads body lines after a missing blank line
// as header continuations. Only the top-level header is read here; MIME
// part headers are enmime's.
func splitHeader(raw []byte) (h message.Header, body []byte, fields, bad int, noSep bool) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		} else {
			raw = nil
		}
	}
	var clean bytes.Buffer
	body = raw[len(raw):]
	for pos := 0; pos < len(raw); {
		end := bytes.IndexByte(raw[pos:], '\n')
		next := len(raw)
		if end >= 0 {
			next = pos + end + 1
			end = pos + end
		} else {
			end = len(raw)
		}
		line := bytes.TrimSuffix(raw[pos:end], []byte("\r"))
		if len(line) == 0 {
			body = raw[next:]
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if fields > 0 {
				clean.WriteString("\r\n")
				clean.Write(validUTF8(line))
			} else {
				bad++
			}
		} else if isHeaderLine(line) {
			if clean.Len() > 0 {
				clean.WriteString("\r\n")
			}
			clean.Write(validUTF8(line))
			fields++
		} else {
			body = raw[pos:]
			noSep = true
			break
		}
		pos = next
	}
	clean.WriteString("\r\n\r\n")
	th, err := textproto.ReadHeader(bufio.NewReader(&clean))
	if err != nil {
		// Cannot happen with the cleaned block; keep what was read.
		bad++
	}
	return message.Header{Header: th}, body, fields, bad, noSep
}

// isHeaderLine reports whether line starts with a valid field name and a colon.
func isHeaderLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	key := bytes.TrimRight(line[:i], " \t")
	if len(key) == 0 {
		return false
	}
	for _, c := range key {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// headerText returns the named field RFC 2047 decoded and valid UTF-8.
func (p *parser) headerText(h message.Header, key string) string {
	return p.decodeWords(h.Get(key))
}

// DecodeHeader returns the named header field of m, RFC 2047 decoded (any
// charset) and valid UTF-8, or "" if absent.
func (m *Message) DecodeHeader(key string) string {
	p := &parser{msg: &Message{}}
	return p.decodeWords(m.Header.Get(key))
}

// parseMsgIDs returns the message ids in a Message-ID, In-Reply-To or
// References value, without angle brackets. Bracketed ids are preferred;
// without brackets, whitespace- or comma-separated tokens containing "@"
// are taken.
func parseMsgIDs(v string) []string {
	var ids []string
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			if id := cleanMsgID(rest[i+1:]); id != "" && len(ids) == 0 {
				ids = append(ids, id)
			}
			break
		}
		if id := cleanMsgID(rest[i+1 : i+j]); id != "" {
			ids = append(ids, id)
		}
		rest = rest[i+j+1:]
	}
	if len(ids) > 0 {
		return ids
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == ';'
	}) {
		if strings.Contains(f, "@") {
			if id := cleanMsgID(f); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func cleanMsgID(s string) string {
	s = strings.Trim(s, "<> \t\"'")
	return strings.Join(strings.Fields(s), "")
}

// firstMsgID returns the first id in a Message-ID value; a value without
// brackets or "@" is used whole (minus spaces) so that no id is lost.
func firstMsgID(v string) string {
	if ids := parseMsgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	if f := strings.Fields(v); len(f) > 0 {
		return cleanMsgID(f[0])
	}
	return ""
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Monday, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
}

// parseDate parses a Date value with net/mail and then a list of layouts
// seen in the wild. It returns the zero time if nothing fits.
func parseDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	// Drop a trailing comment such as "(PST)" and repeated spaces.
	if i := strings.IndexByte(v, '('); i > 0 {
		v = v[:i]
	}
	v = strings.Join(strings.Fields(strings.ReplaceAll(v, ",", ", ")), " ")
	v = strings.ReplaceAll(v, ", ,", ",")
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// lenientMediaType parses a Content-Type or Content-Disposition value with
// enmime's tolerant parser, and when even that fails takes the type before
// the first ";" and the parameters that can be read. ok is false for an
// empty value.
func lenientMediaType(v string) (mt string, params map[string]string, ok bool) {
	if strings.TrimSpace(v) == "" {
		return "", map[string]string{}, false
	}
	mt, params, _, err := mediatype.Parse(addSemicolon(v))
	if err == nil && mt != "" {
		return strings.ToLower(mt), params, true
	}
	before, after, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(before)), lenientParams(after), true
}

// addSemicolon inserts the ";" missing in `application/pdf name="x.pdf"`,
// which enmime would read as application/octet-stream.
func addSemicolon(v string) string {
	t := strings.TrimSpace(v)
	i := strings.IndexAny(t, " \t")
	if i <= 0 || !strings.Contains(t[:i], "/") || strings.ContainsAny(t[:i], ";=\"") {
		return v
	}
	rest := strings.TrimLeft(t[i:], " \t")
	if rest == "" || rest[0] == ';' || !strings.Contains(rest, "=") {
		return v
	}
	return t[:i] + "; " + rest
}

// lenientParams reads `k=v; k2="v 2"` pairs, tolerating what the media
// type parsers reject (stray semicolons, bad quoting).
func lenientParams(s string) map[string]string {
	params := map[string]string{}
	var pieces []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				pieces = append(pieces, s[start:i])
				start = i + 1
			}
		}
	}
	pieces = append(pieces, s[start:])
	for _, piece := range pieces {
		k, v, ok := strings.Cut(piece, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			continue
		}
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, `"`) {
			v = strings.TrimPrefix(v, `"`)
			if i := strings.IndexByte(v, '"'); i >= 0 {
				v = v[:i]
			}
		}
		if _, dup := params[k]; !dup {
			params[k] = v
		}
	}
	return params
}

// mediaType parses a Content-Type or Content-Disposition value leniently
// (see lenientMediaType); def is used when the value is empty, and a type
// without a slash is recorded as a problem and guessed. bounce.go reads
// report types with it.
func (p *parser) mediaType(v, def string) (string, map[string]string) {
	mt, params, ok := lenientMediaType(v)
	if !ok {
		return def, params
	}
	if def != "" && !strings.Contains(mt, "/") {
		p.msg.problemf("bad media type %q", v)
		if mt == "text" || mt == "" {
			mt = "text/plain"
		} else {
			mt = "application/octet-stream"
		}
	}
	return mt, params
}
