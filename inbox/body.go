package inbox

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"github.com/k3a/html2text"
)

// maxPartErrors caps the errors enmime keeps per MIME part.
const maxPartErrors = 10

// body parses the MIME structure below the top-level header with enmime
// and fills Text, HTML, TextFromHTML and Attachments.
func (p *parser) body(body []byte) {
	g := newMIMEGuard(p, body)
	root, err := g.readParts()
	if err != nil {
		// enmime gives up only on a top-level structure it cannot follow
		// at all; the body is still worth reading as text.
		p.msg.problemf("MIME structure unreadable (%v): body read as text", err)
		p.setBody([]segment{{plain: string(normalizeNewlines(validUTF8(g.body)))}})
		return
	}
	p.collectErrors(root)
	p.setBody(p.entity(root, 0))
}

// readParts runs enmime over the top-level MIME fields and the body. The
// parser is set up for leniency: a malformed part is skipped (and noted)
// instead of failing the message, and media types go through the guard,
// which also bounds the work. Content is left raw (see transfer.go) and
// decoded by leaf.
func (g *mimeGuard) readParts() (root *enmime.Part, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("MIME parser panic: %v", r)
		}
	}()
	ep := enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(func(*enmime.Part, error) bool { return true }),
		enmime.MaxStoredPartErrors(maxPartErrors),
		enmime.RawContent(true),
		enmime.DisableCharacterDetection(true),
		enmime.DisableTextConversion(true),
		enmime.SetCustomParseMediaType(g.parseMediaType),
	)
	return ep.ReadParts(g.reader())
}

// collectErrors turns the errors enmime recorded on each part into
// Problems. A part without Content-Type is legal (RFC 2045 defaults it to
// text/plain), so enmime's warning about it is dropped.
func (p *parser) collectErrors(root *enmime.Part) {
	root.DepthMatchAll(func(part *enmime.Part) bool {
		where := "MIME part " + part.PartID
		if part.Parent == nil {
			where = "message body"
		}
		if part.ContentType != "" {
			where += " (" + part.ContentType + ")"
		}
		for _, e := range part.Errors {
			if e.Name == enmime.ErrorMissingContentType {
				continue
			}
			lost := ""
			if e.Severe {
				lost = " (content lost)"
			}
			p.msg.problemf("%s: %s: %s%s", where, e.Name, clip(e.Detail, 200), lost)
		}
		return false
	})
}

// segment is a piece of body text: a text part, an HTML part, or the
// chosen alternatives of a multipart/alternative.
type segment struct {
	plain, html string
}

// entity walks one enmime part and returns its body segments in order,
// appending its attachments to the message. enmime sorts parts into its
// own Envelope buckets breadth first; the walk is ours so that every
// leaf is either body or attachment, in document order.
func (p *parser) entity(part *enmime.Part, depth int) []segment {
	mt := p.partType(part)
	if part.FirstChild != nil {
		var kids [][]segment
		for c := part.FirstChild; c != nil; c = c.NextSibling {
			kids = append(kids, p.entity(c, depth+1))
		}
		if mt == "multipart/alternative" {
			return chooseAlternative(kids)
		}
		var segs []segment
		for _, k := range kids {
			segs = append(segs, k...)
		}
		return segs
	}
	if strings.HasPrefix(mt, "multipart/") {
		// Not split by enmime: the guard dropped its boundary, or it had
		// no parts. At the top the content is still the only body.
		if depth == 0 {
			return p.leaf(part, "text/plain", depth)
		}
		return nil
	}
	return p.leaf(part, mt, depth)
}

// partType returns the lower-case media type of part; a missing type is
// text/plain (RFC 2045) and a type without a slash is guessed.
func (p *parser) partType(part *enmime.Part) string {
	mt := strings.ToLower(part.ContentType)
	switch {
	case mt == "":
		return "text/plain"
	case !strings.Contains(mt, "/"):
		p.msg.problemf("bad media type %q", mt)
		if mt == "text" {
			return "text/plain"
		}
		return "application/octet-stream"
	}
	return mt
}

// leaf handles a non-multipart part: body text or an attachment.
func (p *parser) leaf(part *enmime.Part, mt string, depth int) []segment {
	filename := strings.TrimSpace(p.decodeWords(part.FileName))
	disp := strings.ToLower(part.Disposition)
	isText := mt == "text/plain" || mt == "text/html" ||
		(depth == 0 && strings.HasPrefix(mt, "text/") && mt != "text/rfc822-headers")
	cte := part.Header.Get("Content-Transfer-Encoding")
	if isText && disp != "attachment" && filename == "" {
		data := p.transferDecode(cte, part.Content)
		cs := part.Charset
		if mt == "text/html" && cs == "" {
			cs = metaCharset(data)
		}
		s, ok := toUTF8(cs, data)
		if !ok {
			p.msg.problemf("unknown charset %q in %s part", cs, mt)
		}
		s = strings.TrimPrefix(string(normalizeNewlines([]byte(s))), "\uFEFF")
		if mt == "text/html" {
			return []segment{{html: s}}
		}
		return []segment{{plain: s}}
	}

	a := Attachment{
		Filename:    validString(filename),
		ContentType: validString(mt),
		Inline:      disp == "inline",
		ContentID:   cleanMsgID(validString(part.ContentID)),
	}
	if strings.HasPrefix(mt, "message/") || mt == "text/rfc822-headers" {
		a.Raw = bytes.Clone(p.transferDecode(cte, part.Content))
		if a.Raw == nil {
			a.Raw = []byte{}
		}
		a.Size = len(a.Raw)
	} else {
		a.Size = decodedSize(cte, part.Content)
	}
	p.msg.Attachments = append(p.msg.Attachments, a)
	return nil
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

// chooseAlternative keeps the first alternative with plain text and the
// last one with HTML (alternatives are in increasing order of fidelity).
func chooseAlternative(kids [][]segment) []segment {
	var seg segment
	plainDone := false
	for _, k := range kids {
		var plain, html strings.Builder
		for _, s := range k {
			appendBlock(&plain, s.plain)
			appendBlock(&html, s.html)
		}
		if !plainDone && strings.TrimSpace(plain.String()) != "" {
			seg.plain = plain.String()
			plainDone = true
		}
		if html.Len() > 0 {
			seg.html = html.String()
		}
	}
	if seg.plain == "" && seg.html == "" {
		return nil
	}
	return []segment{seg}
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

var metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)`)

// metaCharset returns the charset an HTML document declares in a meta tag
// within its first 4 KiB, or "". enmime reads the meta tag only for a
// single-part HTML message, and not at all through ReadParts.
func metaCharset(b []byte) string {
	if len(b) > 4096 {
		b = b[:4096]
	}
	if m := metaCharsetRe.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// htmlToText converts HTML to readable text, links kept as "text <url>".
// k3a/html2text is used rather than enmime's inbucket/html2text: it
// streams tokens instead of building a DOM, and writes links in the
// usual plain-text form.
func (p *parser) htmlToText(html string) (text string) {
	defer func() {
		if r := recover(); r != nil {
			p.msg.problemf("html to text conversion failed: %v", r)
			text = html
		}
	}()
	text = html2text.HTML2TextWithOptions(html, html2text.WithUnixLineBreaks(), html2text.WithLinksInnerText())
	return validString(text)
}

// clip shortens s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
