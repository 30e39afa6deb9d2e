package mailer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// message is a built mail: the exact bytes and the envelope.
type message struct {
	raw       []byte
	from, to  string
	beforeDot func() error
}

// render builds ml and writes it out once, and keeps the result in ml:
// Send transmits exactly these bytes, and Build after Send returns them
// without building the message again.
func render(ml *Mail) (*message, error) {
	if ml.rendered != nil {
		return ml.rendered, nil
	}
	msg, err := build(ml)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	// The envelope takes the addresses build checked to be bare ones; a
	// line break there would be a command of its own.
	if strings.ContainsAny(ml.From.Address+ml.To.Address, "\r\n") {
		return nil, errors.New("envelope address contains a line break")
	}
	ml.rendered = &message{raw: buf.Bytes(), from: ml.From.Address, to: ml.To.Address, beforeDot: ml.BeforeDot}
	return ml.rendered, nil
}

// build turns a Mail into a go-mail message. Every header value that may
// hold customer data goes through clean and go-mail's own encoding; none is
// set preformatted. The output depends only on ml: Date and Message-ID come
// from ml when set, and the multipart boundary is derived from the content.
func build(ml *Mail) (*gomail.Msg, error) {
	if ml.From == nil || ml.To == nil {
		return nil, errors.New("mail needs a From and a To")
	}
	from, err := address("From", ml.From)
	if err != nil {
		return nil, err
	}
	to, err := address("To", ml.To)
	if err != nil {
		return nil, err
	}
	text := strings.ToValidUTF8(ml.Text, "\uFFFD")
	html := strings.ToValidUTF8(ml.HTML, "\uFFFD")
	id := cleanID(ml.MessageID)
	date := ml.Date
	if date.IsZero() {
		date = time.Now()
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithBoundary(boundary(id, date, ml.Subject, text, html)))
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, from)
	msg.SetAddrHeaderFromMailAddress(gomail.HeaderTo, to)
	if ml.ReplyTo != nil {
		rt, err := address("Reply-To", ml.ReplyTo)
		if err != nil {
			return nil, err
		}
		msg.SetAddrHeaderFromMailAddress(gomail.HeaderReplyTo, rt)
	}
	msg.Subject(headerText(ml.Subject))
	if id != "" {
		msg.SetMessageIDWithValue(id)
	} else {
		msg.SetMessageID()
	}
	msg.SetDateWithValue(date)
	var refs []string
	for _, r := range ml.References {
		if id := cleanID(r); id != "" {
			refs = append(refs, "<"+id+">")
		}
	}
	if id := cleanID(ml.InReplyTo); id != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+id+">")
		if len(refs) == 0 || refs[len(refs)-1] != "<"+id+">" {
			refs = append(refs, "<"+id+">")
		}
	}
	if len(refs) > 0 {
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	if v := cleanToken(ml.AutoSubmitted); v != "" {
		msg.SetGenHeader("Auto-Submitted", v)
	}
	if err := unsubscribe(msg, ml); err != nil {
		return nil, err
	}
	msg.SetUserAgent("followupd")
	msg.SetBodyString(gomail.TypeTextPlain, text)
	if html != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, html)
	}
	return msg, nil
}

// maxName caps a display name in bytes, so that even a name that must be
// quoted with every character escaped stays far below the 998-byte line
// limit.
const maxName = 200

// address checks a.Address (it must be exactly one bare address, so that
// nothing can smuggle in a second one) and cleans the display name. The
// name is never parsed: go-mail quotes or encodes it as needed.
func address(field string, a *mail.Address) (*mail.Address, error) {
	p, err := mail.ParseAddress(a.Address)
	if err != nil || p.Name != "" || p.Address != a.Address {
		return nil, fmt.Errorf("%s address %q is not a plain address", field, oneLine(a.Address))
	}
	name := headerText(a.Name)
	if len(name) > maxName {
		name = strings.TrimSpace(strings.ToValidUTF8(name[:maxName], ""))
	}
	return &mail.Address{Name: name, Address: p.Address}, nil
}

// unsubscribe sets List-Unsubscribe (RFC 2369) and, with an https URL,
// List-Unsubscribe-Post for one-click unsubscribe (RFC 8058). The URIs
// come from the caller (configuration plus a token), are checked to be
// plain printable ASCII and set as generic, not preformatted, headers.
func unsubscribe(msg *gomail.Msg, ml *Mail) error {
	var uris []string
	if u := ml.UnsubscribeURL; u != "" {
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "https" || p.Host == "" || !plainURI(u) {
			return configErrorf("unsubscribe URL %q: want https://host/... in printable ASCII", oneLine(u))
		}
		uris = append(uris, "<"+u+">")
	}
	if u := ml.UnsubscribeMailto; u != "" {
		addr, _, _ := strings.Cut(strings.TrimPrefix(u, "mailto:"), "?")
		if !strings.HasPrefix(u, "mailto:") || !strings.Contains(addr, "@") || !plainURI(u) {
			return configErrorf("unsubscribe mailto %q: want mailto:address[?subject=...] in printable ASCII", oneLine(u))
		}
		uris = append(uris, "<"+u+">")
	}
	if len(uris) == 0 {
		return nil
	}
	msg.SetGenHeader(gomail.HeaderListUnsubscribe, strings.Join(uris, ", "))
	if ml.UnsubscribeURL != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	return nil
}

// plainURI reports whether u can stand between angle brackets in a header:
// printable ASCII without space, brackets, quotes or commas, and short.
func plainURI(u string) bool {
	if len(u) > 800 {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == ',' {
			return false
		}
	}
	return true
}

// boundary derives the multipart boundary from the content, so that
// building the same Mail twice gives the same bytes. go-mail writes it
// unquoted, so it is a plain token; a body cannot contain its own hash.
func boundary(id string, date time.Time, subject, text, html string) string {
	h := sha256.New()
	for _, s := range []string{id, date.UTC().Format(time.RFC3339Nano), subject, text, html} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return "followupd-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// headerText makes customer-supplied text safe for a header: encoded
// words still in it are decoded first (so that "=?utf-8?q?a=0D=0A...?="
// cannot reach a reader's decoder as a line break), then the text is
// cleaned, and "=?" left over (an encoded word we could not decode) is
// broken up so that no decoder downstream sees one.
func headerText(s string) string {
	if strings.Contains(s, "=?") {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
	}
	return strings.ReplaceAll(clean(s), "=?", "= ?")
}

var wordDecoder = new(mime.WordDecoder)

// clean makes customer-supplied text safe for one header line: control
// characters (CR, LF and the rest) become spaces, runs of spaces fold, and
// invalid UTF-8 is replaced.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	const max = 900 // bytes; go-mail folds, but nothing legitimate is longer
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "")
	}
	return s
}

// cleanID returns a message id (without brackets) only if it is a plain
// dot-atom-ish token; anything else is dropped rather than repaired.
func cleanID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" || len(id) > 250 || !strings.Contains(id, "@") {
		return ""
	}
	for _, r := range id {
		if r <= ' ' || r >= 0x7f || r == '<' || r == '>' || r == '"' || r == '\\' || r == ',' || r == ';' {
			return ""
		}
	}
	return id
}

func cleanToken(s string) string {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r == ';' || r == '=' || r == ' ' || unicode.IsLetter(r) || unicode.IsDigit(r)) || r > 0x7e {
			return ""
		}
	}
	return strings.TrimSpace(s)
}
