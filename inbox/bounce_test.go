package inbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// readTestMessage parses a fixture under testdata/.
func readTestMessage(t testing.TB, name string) *Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseBytes(raw)
	if err != nil {
		t.Fatalf("ParseBytes(%s): %v", name, err)
	}
	return m
}

func TestParseBounceFindsFailedRecipients(t *testing.T) {
	type rcpt struct {
		email     string
		permanent bool
		status    string
	}
	tests := []struct {
		file     string
		want     []rcpt // nil: not a bounce
		delay    bool
		reporter string
		diag     string // substring of the first recipient's Diagnostic
	}{
		{file: "postfix_dsn.eml", want: []rcpt{{"olga.nobody@example.com", true, "5.1.1"}}, reporter: "mx.shop.test", diag: "User unknown"},
		{file: "postfix_plain.eml", want: []rcpt{{"pete.gone@example.com", true, "5.7.1"}}, reporter: "relay.example.net", diag: "550 5.7.1"},
		{file: "postfix_delay.eml", want: []rcpt{{"slow.server@example.org", false, ""}}, delay: true},
		{file: "exim.eml", want: []rcpt{{"hannah.left@example.com", true, "5.1.1"}}, diag: "550 5.1.1"},
		{file: "exim_header.eml", want: []rcpt{{"ivan.full@example.com", true, "5.2.2"}}, diag: "quota exceeded"},
		{file: "exim_delay.eml", want: []rcpt{{"jane.later@example.org", false, "4.7.1"}}, delay: true, diag: "Greylisted"},
		{file: "sendmail.eml", want: []rcpt{{"kurt.unknown@example.com", true, "5.1.1"}}, diag: "User unknown"},
		{file: "sendmail_warning.eml", want: []rcpt{{"lena.offline@example.org", false, ""}}, delay: true},
		{file: "qmail.eml", want: []rcpt{{"max.missing@example.com", true, "5.1.1"}}, reporter: "mail.example.net", diag: "No such user"},
		{file: "exchange.eml", want: []rcpt{{"nina.moved@example.com", true, "5.1.1"}}, reporter: "exch01.example.com"},
		{file: "office365.eml", want: []rcpt{{"oscar.typo@contoso.example.com", true, "5.1.10"}}, diag: "RecipientNotFound"},
		{file: "exchange_delay.eml", want: []rcpt{{"paula.busy@example.org", false, "4.4.7"}}, delay: true},
		{file: "gmail.eml", want: []rcpt{{"quinn.nobody@example.com", true, "5.1.1"}}, reporter: "googlemail.example"},
		{file: "gmail_delay.eml", want: []rcpt{{"rita.wait@example.org", false, "4.7.0"}}, delay: true},
		{file: "yahoo.eml", want: []rcpt{{"sam.closed@example.com", true, ""}}, diag: "554"},
		{file: "lotus_notes.eml", want: []rcpt{{"tina.retired@notes.example.com", true, ""}}, diag: "not listed"},
		{file: "groupwise.eml", want: []rcpt{{"uma.absent@gw.example.com", true, ""}}},
		{file: "courier.eml", want: []rcpt{{"victor.void@example.com", true, "5.1.1"}}},
		{file: "mdaemon.eml", want: []rcpt{{"wendy.gone@example.com", true, "5.1.1"}}},
		{file: "mailman.eml", want: []rcpt{{"xena.bounced@example.com", true, ""}}},
		{file: "german_exchange.eml", want: []rcpt{{"yusuf.weg@firma.example", true, "5.1.1"}}},
		{file: "french_exchange.eml", want: []rcpt{{"zoe.partie@societe.example", true, "5.1.1"}}},
		{file: "spanish.eml", want: []rcpt{{"alba.fuera@empresa.example", true, "5.1.1"}}},
		{file: "italian.eml", want: []rcpt{{"bruno.assente@posta.example", true, "5.1.1"}}},
		{file: "global_dsn.eml", want: []rcpt{{"jürgen@bücher.example", true, "5.1.1"}}, diag: "does not exist"},
		{file: "dsn_base64_quota.eml", want: []rcpt{{"full.box@example.com", false, "4.2.2"}}, delay: true, diag: "over quota"},
		{file: "success_dsn.eml"},
		{file: "not_customer_parcel.eml"},
		{file: "not_customer_returned.eml"},
		{file: "not_shop_newsletter.eml"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			m := readTestMessage(t, filepath.Join("bounce", tt.file))
			b, ok := ParseBounce(m)
			if tt.want == nil {
				if ok {
					t.Fatalf("ParseBounce = %+v, true; want no bounce", b)
				}
				return
			}
			if !ok {
				t.Fatal("ParseBounce = false, want a bounce")
			}
			var got []rcpt
			for _, r := range b.Recipients {
				got = append(got, rcpt{r.Email, r.Permanent, r.Status})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Recipients = %+v, want %+v", b.Recipients, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("Recipients[%d] = %+v, want %+v (Diagnostic %q)", i, got[i], tt.want[i], b.Recipients[i].Diagnostic)
				}
			}
			if b.Delay != tt.delay {
				t.Errorf("Delay = %v, want %v", b.Delay, tt.delay)
			}
			if tt.reporter != "" && b.Reporter != tt.reporter {
				t.Errorf("Reporter = %q, want %q", b.Reporter, tt.reporter)
			}
			if tt.diag != "" && !strings.Contains(b.Recipients[0].Diagnostic, tt.diag) {
				t.Errorf("Diagnostic = %q, want it to contain %q", b.Recipients[0].Diagnostic, tt.diag)
			}
		})
	}
}

func TestParseBounceNeedsMachineNotWords(t *testing.T) {
	raw := "From: Pam <pam@example.com>\r\nTo: shop@example.test\r\nSubject: Undeliverable: my parcel\r\n\r\n" +
		"The parcel to olga@example.com could not be delivered: 550 user unknown, they said.\r\n"
	m, err := ParseBytes([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := ParseBounce(m); ok {
		t.Errorf("ParseBounce = %+v, want no bounce for a person's words", b)
	}
	if b, ok := ParseBounce(nil); ok || b != nil {
		t.Errorf("ParseBounce(nil) = %v, %v", b, ok)
	}
}

func FuzzParseBounce(f *testing.F) {
	for _, dir := range []string{"bounce", "auto"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.eml"))
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	f.Add([]byte("From: MAILER-DAEMON@x.example\r\nSubject: failure notice\r\n\r\n<\xff@\xfe.example>:\r\n550 5.1.1 no"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseBytes(raw)
		if err != nil {
			return
		}
		b, ok := ParseBounce(m)
		if !ok {
			if b != nil {
				t.Fatal("non-nil Bounce without ok")
			}
			return
		}
		for _, s := range []string{b.Reporter} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		for _, r := range b.Recipients {
			if !utf8.ValidString(r.Email) || !utf8.ValidString(r.Diagnostic) || !utf8.ValidString(r.Status) {
				t.Fatalf("invalid UTF-8 in %+v", r)
			}
			if r.Email != strings.ToLower(r.Email) || !strings.Contains(r.Email, "@") {
				t.Fatalf("bad Email %q", r.Email)
			}
		}
		_ = AutoReason(m)
	})
}
