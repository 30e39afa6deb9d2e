package mailer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

func mustBuild(t *testing.T, m *Mailer, ml *Mail) []byte {
	t.Helper()
	raw, err := m.Build(ml)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return raw
}

func parse(t *testing.T, raw []byte) *mail.Message {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("built message does not parse: %v\n%s", err, raw)
	}
	return msg
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("decode %q: %v", v, err)
	}
	return s
}

// headerLines returns the raw header section's physical lines.
func headerLines(raw []byte) []string {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	return strings.Split(string(head), "\r\n")
}

func withHTML() *Mail {
	ml := sample()
	ml.HTML = "<p>Hi Ana,</p><p>Thanks for writing. — Pam</p>"
	ml.UnsubscribeMailto = "mailto:shop+unsubscribe-T0K3N@example.test?subject=unsubscribe"
	ml.UnsubscribeURL = "https://shop.example.test/unsubscribe/T0K3N"
	ml.ReplyTo = &mail.Address{Name: "Pam", Address: "pam@example.test"}
	return ml
}

func TestBuildReturnsExactlyWhatSendSends(t *testing.T) {
	tests := []struct {
		name string
		mail func() *Mail
	}{
		{"plain text", sample},
		{"text and html with unsubscribe", withHTML},
		{"dots at line starts", func() *Mail {
			ml := sample()
			ml.Text = ".\n..hidden\n.\r\nend\n"
			return ml
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, m := startSMTP(t)
			built := mustBuild(t, m, tt.mail())
			if again := mustBuild(t, m, tt.mail()); !bytes.Equal(built, again) {
				t.Fatalf("two builds of the same mail differ:\n%s\n----\n%s", built, again)
			}
			if err := m.Send(context.Background(), tt.mail()); err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("captured %d messages", len(got))
			}
			if !bytes.Equal(got[0].Data, built) {
				t.Fatalf("sent bytes differ from Build:\nsent:\n%s\nbuilt:\n%s", got[0].Data, built)
			}
		})
	}
}

func TestHeadersIdentifyThreadAndSender(t *testing.T) {
	_, m := startSMTP(t)
	msg := parse(t, mustBuild(t, m, withHTML()))
	want := map[string]string{
		"Message-Id":     "<fu.1@example.test>",
		"In-Reply-To":    "<q1@mail.example.com>",
		"References":     "<q0@mail.example.com> <q1@mail.example.com>",
		"Auto-Submitted": "auto-generated",
		"Date":           "Mon, 02 Mar 2026 10:00:00 +0000",
		"From":           `"Pam at Acme Bikes" <shop@example.test>`,
		"Reply-To":       `"Pam" <pam@example.test>`,
		"Mime-Version":   "1.0",
	}
	for k, v := range want {
		if g := msg.Header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
}

func TestNamesAndSubjectsInAnyScriptAreEncoded(t *testing.T) {
	tests := []struct {
		name    string
		display string
		subject string
	}{
		{"japanese", "山田 花子", "Re: ご注文ありがとうございます"},
		{"greek", "Γιώργος Παπαδόπουλος", "Re: Ευχαριστούμε για την παραγγελία σας"},
		{"emoji", "Ana 🚲", "Re: Your blue bike 🚲✨ is ready 🎉"},
		{"quotes and commas in a name", `O'Brien, Pat "the boss" \ Jr.`, `Re: "quoted", with commas; and \ backslash`},
		{"very long subject is folded", "Ana López", "Re: " + strings.Repeat("¿Tienen la bicicleta azul en talla grande? ", 12)},
		{"very long ascii subject is folded", "Ana", "Re: " + strings.Repeat("do you have the blue bike in a large frame ", 15)},
		{"cyrillic, arabic and combining marks", "Анна Ёлкина", "Re: شكرا لك — café naïve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m := startSMTP(t)
			ml := sample()
			ml.To.Name = tt.display
			ml.Subject = tt.subject
			raw := mustBuild(t, m, ml)
			msg := parse(t, raw)
			if got := decodeHeader(t, msg.Header.Get("Subject")); got != clean(tt.subject) {
				t.Errorf("Subject decodes to %q, want %q", got, clean(tt.subject))
			}
			to, err := msg.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Name != tt.display || to[0].Address != "ana@example.com" {
				t.Errorf("To = %v, %v; want one address named %q", to, err, tt.display)
			}
			for _, l := range headerLines(raw) {
				if len(l) > 998 {
					t.Errorf("header line of %d bytes", len(l))
				}
				if strings.Contains(l, "=?") && len(l) > 78 {
					t.Errorf("encoded header line not folded (%d bytes): %q", len(l), l)
				}
				for _, c := range []byte(l) {
					if c >= 0x80 {
						t.Fatalf("raw 8-bit byte in header line %q", l)
					}
				}
			}
		})
	}
}

func TestHostileCustomerDataStaysInItsHeader(t *testing.T) {
	tests := []struct {
		name  string
		value string
	}{
		{"encoded CR LF left encoded", "=?utf-8?q?a=0D=0ABcc:_x@evil.test?="},
		{"encoded CR LF decoded upstream", "a\r\nBcc: x@evil.test"},
		{"encoded CR LF in an unknown charset", "=?x-evil?q?a=0D=0ABcc:_x@evil.test?="},
		{"bare LF", "a\nBcc: x@evil.test"},
		{"bare CR", "a\rBcc: x@evil.test"},
		{"NUL and other controls", "a\x00\x1b[31m\x7f\nBcc: x@evil.test"},
		{"unicode line separators", "a\u2028Bcc: x@evil.test\u2029To: y@evil.test"},
		{"next line U+0085", "a\u0085Bcc: x@evil.test"},
		{"non-UTF-8 bytes", "Bob \xff\xfe\xc3\x28 \r\nBcc: x@evil.test"},
		{"10 kB name", strings.Repeat("Ana María López-Fernández ", 400) + "\r\nBcc: x@evil.test"},
		{"10 kB without spaces", strings.Repeat("\\\"", 5000) + "\r\nBcc: x@evil.test"},
		{"address lookalike", `evil@evil.test>, <x@evil.test`},
		{"header lookalike with colon", "To: x@evil.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, m := startSMTP(t)
			ml := sample()
			ml.To.Name = tt.value
			ml.From.Name = tt.value
			ml.ReplyTo = &mail.Address{Name: tt.value, Address: "pam@example.test"}
			ml.Subject = "Re: " + tt.value
			ml.Text = tt.value
			ml.HTML = "<p>" + tt.value + "</p>"
			ml.InReplyTo = "q1@x>\r\nBcc: x@evil.test"
			ml.References = []string{"<a@b>\r\nBcc: x@evil.test", tt.value}
			ml.AutoSubmitted = "auto-generated\r\nBcc: x@evil.test"
			if err := m.Send(context.Background(), ml); err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()
			if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "ana@example.com" || got[0].From != "shop@example.test" {
				t.Fatalf("envelope %v, want shop@example.test -> only ana@example.com", got)
			}
			raw := got[0].Data
			msg := parse(t, raw)
			for k, v := range msg.Header {
				switch strings.ToLower(k) {
				case "bcc", "cc":
					t.Errorf("header %s: %v appeared", k, v)
				}
				if len(v) != 1 {
					t.Errorf("header %s appears %d times", k, len(v))
				}
			}
			for _, k := range []string{"To", "From", "Reply-To"} {
				list, err := msg.Header.AddressList(k)
				if err != nil || len(list) != 1 {
					t.Errorf("%s = %v, %v; want exactly one address", k, list, err)
				}
			}
			if to, _ := msg.Header.AddressList("To"); len(to) == 1 && to[0].Address != "ana@example.com" {
				t.Errorf("To address = %q", to[0].Address)
			}
			for _, l := range headerLines(raw) {
				if len(l) > 998 {
					t.Errorf("header line of %d bytes", len(l))
				}
				if strings.HasPrefix(strings.ToLower(l), "bcc:") {
					t.Errorf("a Bcc line was injected: %q", l)
				}
			}
			if s := decodeHeader(t, msg.Header.Get("Subject")); strings.ContainsAny(s, "\r\n") {
				t.Errorf("Subject decodes with a line break: %q", s)
			}
		})
	}
}

func TestAddressesMustBePlain(t *testing.T) {
	tests := []struct {
		name string
		set  func(ml *Mail)
	}{
		{"two addresses in To", func(ml *Mail) { ml.To.Address = "ana@example.com, evil@evil.test" }},
		{"angle brackets in To", func(ml *Mail) { ml.To.Address = "ana@example.com>\r\nBcc: <evil@evil.test" }},
		{"a name inside the address", func(ml *Mail) { ml.From.Address = `"Evil" <evil@evil.test>` }},
		{"no address", func(ml *Mail) { ml.To.Address = "" }},
		{"bad Reply-To", func(ml *Mail) { ml.ReplyTo = &mail.Address{Address: "a@b, c@d"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, m := startSMTP(t)
			ml := sample()
			tt.set(ml)
			err := m.Send(context.Background(), ml)
			var e *Error
			if !errors.As(err, &e) || e.Stage != StageBuild || !e.Permanent {
				t.Fatalf("send = %v, want a permanent build error", err)
			}
			if _, err := m.Build(ml); err == nil {
				t.Error("Build accepted it")
			}
			if n := srv.Connections(); n != 0 {
				t.Errorf("connected %d times for a mail that cannot be built", n)
			}
		})
	}
}

func TestListUnsubscribe(t *testing.T) {
	const (
		mailto = "mailto:shop+unsubscribe-T0K3N@example.test?subject=unsubscribe"
		https  = "https://shop.example.test/u/T0K3N?x=1"
	)
	tests := []struct {
		name     string
		mailto   string
		url      string
		want     string // List-Unsubscribe; "" none
		oneClick bool
		bad      bool
	}{
		{name: "none", want: ""},
		{name: "mailto only", mailto: mailto, want: "<" + mailto + ">"},
		{name: "mailto and one-click https", mailto: mailto, url: https, want: "<" + https + ">, <" + mailto + ">", oneClick: true},
		{name: "https only is one-click", url: https, want: "<" + https + ">", oneClick: true},
		{name: "http is refused", mailto: mailto, url: "http://shop.example.test/u", bad: true},
		{name: "a bracket in the URL is refused", url: "https://shop.example.test/u>, <https://evil.test/", bad: true},
		{name: "CR LF in the mailto is refused", mailto: mailto + "\r\nBcc: x@evil.test", bad: true},
		{name: "not a mailto", mailto: "shop@example.test", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m := startSMTP(t)
			ml := sample()
			ml.UnsubscribeMailto, ml.UnsubscribeURL = tt.mailto, tt.url
			raw, err := m.Build(ml)
			if tt.bad {
				var e *Error
				if !errors.As(err, &e) || e.Stage != StageBuild || !e.Config {
					t.Fatalf("Build = %v, want a build error flagged Config", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			msg := parse(t, raw)
			if got := msg.Header.Get("List-Unsubscribe"); got != tt.want {
				t.Errorf("List-Unsubscribe = %q, want %q", got, tt.want)
			}
			post := msg.Header.Get("List-Unsubscribe-Post")
			if tt.oneClick && post != "List-Unsubscribe=One-Click" || !tt.oneClick && post != "" {
				t.Errorf("List-Unsubscribe-Post = %q, one-click %v", post, tt.oneClick)
			}
		})
	}
}

func TestHTMLMakesMultipartAlternative(t *testing.T) {
	_, m := startSMTP(t)
	ml := withHTML()
	ml.Text = "Hi Ana,\n\nThanks — Pam 🚲\n"
	ml.HTML = "<p>Hi Ana,</p><p>Thanks — Pam 🚲</p>\n"
	msg := parse(t, mustBuild(t, m, ml))
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	want := []struct{ ct, body string }{{"text/plain", ml.Text}, {"text/html", ml.HTML}}
	for i, w := range want {
		p, err := r.NextRawPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if ct != w.ct || !strings.EqualFold(cp["charset"], "utf-8") {
			t.Errorf("part %d Content-Type %q", i, p.Header.Get("Content-Type"))
		}
		var body io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(p)
		}
		b, _ := io.ReadAll(body)
		if got := strings.ReplaceAll(string(b), "\r\n", "\n"); got != w.body {
			t.Errorf("part %d body %q, want %q", i, got, w.body)
		}
	}
	if _, err := r.NextPart(); err != io.EOF {
		t.Errorf("more than two parts: %v", err)
	}
}

func TestPlainTextOnlyIsSinglePart(t *testing.T) {
	_, m := startSMTP(t)
	msg := parse(t, mustBuild(t, m, sample()))
	if mt, _, _ := mime.ParseMediaType(msg.Header.Get("Content-Type")); mt != "text/plain" {
		t.Errorf("Content-Type %q, want text/plain", msg.Header.Get("Content-Type"))
	}
}
