package inbox

import (
	"bytes"
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	"github.com/k3a/html2text"
)

// segment is a piece of body text: a text part, an HTML part, or the
// chosen alternatives of a multipart/alternative.
type segment struct {
	plain, html string
}

// entity walks one MIME entity and returns its body segments in order,
// appending its attachments to the message.
func (p *parser) entity(h message.Header, body []byte, depth int) []segment {
	m := p.msg
	p.parts++
	if p.parts > maxParts {
		if p.parts == maxParts+1 {
			m.problemf("more than %d MIME parts: rest ignored", maxParts)
		}
		return nil
	}
	mt, params := p.mediaType(h.Get("Content-Type"), "text/plain")
	disp, dparams := p.mediaType(h.Get("Content-Disposition"), "")

	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxDepth {
			m.problemf("MIME nesting deeper than %d: inner parts ignored", maxDepth)
			return nil
		}
		parts, ok := p.splitMultipart(body, params["boundary"])
		if !ok {
			return p.leaf(h, "text/plain", params, "", nil, body, depth)
		}
		var kids [][]segment
		for _, part := range parts {
			ph, pbody, _, bad, noSep := splitHeader(part)
			p.headerProblems("MIME part", bad, noSep)
			kids = append(kids, p.entity(ph, pbody, depth+1))
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
	return p.leaf(h, mt, params, disp, dparams, body, depth)
}

// leaf handles a non-multipart entity: body text or an attachment.
func (p *parser) leaf(h message.Header, mt string, params map[string]string, disp string, dparams map[string]string, body []byte, depth int) []segment {
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	filename = strings.TrimSpace(p.decodeWords(filename))
	isText := mt == "text/plain" || mt == "text/html" ||
		(depth == 0 && strings.HasPrefix(mt, "text/") && mt != "text/rfc822-headers")
	if isText && disp != "attachment" && filename == "" {
		data := p.transferDecode(h, body)
		cs := params["charset"]
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
		ContentID:   cleanMsgID(validString(h.Get("Content-Id"))),
	}
	if strings.HasPrefix(mt, "message/") || mt == "text/rfc822-headers" {
		a.Raw = bytes.Clone(p.transferDecode(h, body))
		a.Size = len(a.Raw)
	} else {
		a.Size = decodedSize(h.Get("Content-Transfer-Encoding"), body)
	}
	p.msg.Attachments = append(p.msg.Attachments, a)
	return nil
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

// mediaType parses a Content-Type or Content-Disposition value leniently.
// The type is lower-cased; def is used when the value is empty.
func (p *parser) mediaType(v, def string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		before, after, _ := strings.Cut(v, ";")
		mt = strings.ToLower(strings.TrimSpace(before))
		params = lenientParams(after)
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

// lenientParams reads `k=v; k2="v 2"` pairs, tolerating what
// mime.ParseMediaType rejects (duplicates, stray semicolons, bad quoting).
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

var metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)`)

// metaCharset returns the charset an HTML document declares in a meta tag
// within its first 4 KiB, or "".
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
