package mailer

import (
	"errors"
	"strings"
	"time"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// build turns a Mail into a go-mail message. Every header value that may
// hold customer data goes through clean and go-mail's own encoding; none is
// set preformatted.
func build(ml *Mail) (*gomail.Msg, error) {
	if ml.From == nil || ml.To == nil {
		return nil, errors.New("mail needs a From and a To")
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.FromFormat(clean(ml.From.Name), ml.From.Address); err != nil {
		return nil, err
	}
	if err := msg.AddToFormat(clean(ml.To.Name), ml.To.Address); err != nil {
		return nil, err
	}
	if ml.ReplyTo != nil {
		if err := msg.ReplyToFormat(clean(ml.ReplyTo.Name), ml.ReplyTo.Address); err != nil {
			return nil, err
		}
	}
	msg.Subject(clean(ml.Subject))
	if id := cleanID(ml.MessageID); id != "" {
		msg.SetMessageIDWithValue(id)
	} else {
		msg.SetMessageID()
	}
	date := ml.Date
	if date.IsZero() {
		date = time.Now()
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
	msg.SetUserAgent("followupd")
	msg.SetBodyString(gomail.TypeTextPlain, ml.Text)
	return msg, nil
}

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
