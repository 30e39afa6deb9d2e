package inbox

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzExtractForward checks that ExtractForward never panics and returns
// valid UTF-8 for any input, used as a raw message and as a body text. The
// seeds are the fixtures in testdata/forward, so plain "go test" runs them.
func FuzzExtractForward(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "forward", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, "Fwd: seed")
	}
	f.Add([]byte("From: a@b.c\n\n-----\nFrom: x <y@z.w>\nDate: 2025\n"), "Re: x")
	f.Add([]byte("\n> > From: \xff <a@b.cd>\n> > Sent: 99/99/9999 99:99\n"), "FW:")
	f.Fuzz(func(t *testing.T, raw []byte, subject string) {
		if m, err := ParseBytes(raw); err == nil {
			checkForward(t, m)
		}
		m := &Message{
			From:    Address{Email: "owner@shop.test"},
			Subject: subject,
			Text:    string(raw),
			HTML:    string(raw),
		}
		checkForward(t, m)
	})
}

func checkForward(t *testing.T, m *Message) {
	t.Helper()
	f, ok := ExtractForward(m)
	if !ok {
		return
	}
	if f.From.Email == "" {
		t.Fatalf("forward without a sender address: %+v", f)
	}
	for _, s := range []string{f.From.Name, f.From.Email, f.Subject, f.Text, f.Note, f.MessageID, f.Source} {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 in %+v", f)
		}
	}
	for _, a := range f.To {
		if !utf8.ValidString(a.Name) || !utf8.ValidString(a.Email) {
			t.Fatalf("invalid UTF-8 in To %+v", a)
		}
	}
}
