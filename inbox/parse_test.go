package inbox

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func parseFixture(t testing.TB, name string) *Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseBytes(raw)
	if err != nil {
		t.Fatalf("ParseBytes(%s): %v", name, err)
	}
	checkValidUTF8(t, m)
	return m
}

// checkValidUTF8 fails the test if any string in m is not valid UTF-8.
func checkValidUTF8(t testing.TB, m *Message) {
	t.Helper()
	strs := []string{m.MessageID, m.From.Name, m.From.Email, m.Sender.Name, m.Sender.Email,
		m.Subject, m.Text, m.HTML}
	strs = append(strs, m.InReplyTo...)
	strs = append(strs, m.References...)
	strs = append(strs, m.Problems...)
	for _, l := range [][]Address{m.ReplyTo, m.To, m.Cc} {
		for _, a := range l {
			strs = append(strs, a.Name, a.Email)
		}
	}
	for _, a := range m.Attachments {
		strs = append(strs, a.Filename, a.ContentType, a.ContentID)
	}
	for f := m.Header.Fields(); f.Next(); {
		strs = append(strs, f.Key(), f.Value())
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8: %q", s)
		}
	}
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file       string
		from       Address
		subject    string
		text       string // exact, unless textHas is set
		textHas    string
		html       string // substring
		problems   []string
		noProblems bool
		check      func(t *testing.T, m *Message)
	}{
		{
			file:       "plain.eml",
			from:       Address{"Alice Example", "alice@example.com"},
			subject:    "Question about my order #1234",
			text:       "Hello,\n\nwhen will my order ship?\n\nThanks,\nAlice\n",
			noProblems: true,
			check: func(t *testing.T, m *Message) {
				want := []Address{{"Shop", "shop@example.test"}, {"Doe, Jane", "jane@example.test"}}
				if !reflect.DeepEqual(m.To, want) {
					t.Errorf("To = %v, want %v", m.To, want)
				}
				if len(m.Cc) != 1 || m.Cc[0].Email != "bob@example.org" {
					t.Errorf("Cc = %v", m.Cc)
				}
				if m.MessageID != "plain-1@example.com" {
					t.Errorf("MessageID = %q", m.MessageID)
				}
				if want := time.Date(2025, 3, 4, 8, 15, 0, 0, time.UTC); !m.Date.Equal(want) {
					t.Errorf("Date = %v, want %v", m.Date, want)
				}
				if got := m.Header.Get("Return-Path"); got != "<alice@example.com>" {
					t.Errorf("Return-Path = %q", got)
				}
			},
		},
		{
			file:       "qp_latin1.eml",
			from:       Address{"André Müller", "andre@example.fr"},
			subject:    "Café crème",
			text:       "Bonjour,\n\nle café était très bon. Une très longue ligne qui est coupée par le codage.\n\nAndré\n",
			noProblems: true,
		},
		{
			file:       "japanese.eml",
			from:       Address{"山田太郎", "taro@example.jp"},
			subject:    "ご注文について",
			text:       "こんにちは。\n注文番号は1234です。\n",
			noProblems: true,
		},
		{
			file:       "html_only.eml",
			from:       Address{"Newsletter Team", "news@example.com"},
			subject:    "Price list",
			textHas:    "Our prices start at 10 €.",
			html:       `<a href="https://example.com/prices">`,
			noProblems: true,
			check: func(t *testing.T, m *Message) {
				if !m.TextFromHTML || !strings.Contains(m.Text, "the list <https://example.com/prices>") {
					t.Errorf("link not kept readable: %q", m.Text)
				}
			},
		},
		{
			file:       "alternative.eml",
			from:       Address{"Ivan", "ivan@example.ru"},
			subject:    "Привет",
			text:       "Plain version.",
			html:       "<p>HTML <b>version</b>.</p>",
			noProblems: true,
		},
		{
			file:       "mixed_attachment.eml",
			from:       Address{"Owner", "owner@example.test"},
			subject:    "Fwd: Invoice",
			text:       "See the forwarded mail. #complaint",
			html:       "<p>See the forwarded mail. #complaint</p>",
			noProblems: true,
			check: func(t *testing.T, m *Message) {
				if len(m.Cc) != 1 || m.Cc[0].Name != "李明" {
					t.Errorf("Cc = %v", m.Cc)
				}
				if len(m.Attachments) != 2 {
					t.Fatalf("got %d attachments, want 2: %+v", len(m.Attachments), m.Attachments)
				}
				pdf := m.Attachments[0]
				if pdf.Filename != "facture n°1.pdf" || pdf.ContentType != "application/pdf" ||
					pdf.Size != len("%PDF-1.4 fake pdf content for the test") || pdf.Raw != nil {
					t.Errorf("pdf = %+v", pdf)
				}
				fwd := m.Attachments[1]
				if !fwd.IsMessage() || fwd.Size != len(fwd.Raw) {
					t.Fatalf("forwarded = %+v", fwd)
				}
				inner, err := ParseBytes(fwd.Raw)
				if err != nil {
					t.Fatal(err)
				}
				if inner.From.Key() != "customer@example.org" || inner.Subject != "The invoice is wrong" ||
					inner.Text != "The total is wrong." {
					t.Errorf("inner = %+v", inner)
				}
			},
		},
		{
			file:     "broken_boundary.eml",
			from:     Address{"Carol", "carol@example.com"},
			subject:  "Broken boundary",
			text:     "The real body.",
			problems: []string{`boundary "declared" not found; using "actual-boundary"`},
			check: func(t *testing.T, m *Message) {
				if len(m.Attachments) != 1 || m.Attachments[0].Filename != "x.png" || m.Attachments[0].Size != 8 {
					t.Errorf("attachments = %+v", m.Attachments)
				}
			},
		},
		{
			file:     "unknown_charset.eml",
			from:     Address{"Worf", "worf@example.com"},
			subject:  "qapla' and more",
			text:     "Success! Café\n",
			problems: []string{`unknown charset "x-klingon" in header`, `unknown charset "x-klingon" in text/plain part`},
		},
		{
			file:       "eight_bit_header.eml",
			from:       Address{"Jürgen Groß", "juergen@example.de"},
			subject:    "Grüße aus Köln ☕",
			text:       "Hallo!\n",
			noProblems: true,
		},
		{
			file:     "missing_from.eml",
			subject:  "Who am I",
			text:     "Nobody knows.\n",
			problems: []string{"missing From"},
		},
		{
			file:     "missing_message_id.eml",
			from:     Address{"Dave Smith", "dave@example.com"},
			subject:  "No id",
			text:     "Body.\n",
			problems: []string{"missing Message-ID"},
			check: func(t *testing.T, m *Message) {
				if m.MessageID != "" {
					t.Errorf("MessageID = %q", m.MessageID)
				}
			},
		},
		{
			file:       "folded_references.eml",
			from:       Address{"Erin", "erin@example.com"},
			subject:    "Re: Re: Your order",
			text:       "Thanks!\n",
			noProblems: true,
			check: func(t *testing.T, m *Message) {
				wantRefs := []string{"orig-1@example.com", "reply-1@example.test", "reply-2@example.test", "withspace@example.test"}
				if !reflect.DeepEqual(m.References, wantRefs) {
					t.Errorf("References = %q, want %q", m.References, wantRefs)
				}
				if want := []string{"reply-2@example.test"}; !reflect.DeepEqual(m.InReplyTo, want) {
					t.Errorf("InReplyTo = %q, want %q", m.InReplyTo, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			m := parseFixture(t, tt.file)
			if m.From != tt.from {
				t.Errorf("From = %#v, want %#v", m.From, tt.from)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if tt.textHas != "" {
				if !strings.Contains(m.Text, tt.textHas) {
					t.Errorf("Text = %q, want it to contain %q", m.Text, tt.textHas)
				}
			} else if m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if !strings.Contains(m.HTML, tt.html) || (tt.html == "" && m.HTML != "" && !m.TextFromHTML) {
				t.Errorf("HTML = %q, want it to contain %q", m.HTML, tt.html)
			}
			if tt.noProblems && len(m.Problems) > 0 {
				t.Errorf("Problems = %q, want none", m.Problems)
			}
			for _, want := range tt.problems {
				if !hasProblem(m, want) {
					t.Errorf("Problems = %q, want one containing %q", m.Problems, want)
				}
			}
			if strings.Contains(m.Text, "\r") {
				t.Errorf("Text keeps CR: %q", m.Text)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func hasProblem(m *Message, sub string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, sub) {
			return true
		}
	}
	return false
}

func TestParseWithoutHeaderFails(t *testing.T) {
	for _, in := range []string{"", "\r\n\r\nbody only", "just some text\nand more\n"} {
		if m, err := ParseBytes([]byte(in)); err == nil {
			t.Errorf("ParseBytes(%q) = %+v, want error", in, m)
		}
	}
}

func TestParseHeaderWithoutBlankLine(t *testing.T) {
	m, err := ParseBytes([]byte("From: a@example.com\r\nSubject: hi\r\nHello there\r\nsecond line\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "hi" || m.Text != "Hello there\nsecond line\n" || !hasProblem(m, "no blank line") {
		t.Errorf("Subject = %q, Text = %q, Problems = %q", m.Subject, m.Text, m.Problems)
	}
}

func TestDecodeHeader(t *testing.T) {
	m := parseFixture(t, "qp_latin1.eml")
	if got := m.DecodeHeader("subject"); got != "Café crème" {
		t.Errorf("DecodeHeader = %q", got)
	}
}

func TestOnlyTheMostRecentFiftyReferencesAreKept(t *testing.T) {
	var refs []string
	for i := range 5000 {
		refs = append(refs, fmt.Sprintf("<r%d@example.com>", i))
	}
	m, err := ParseBytes([]byte("From: a@example.com\r\nReferences: " + strings.Join(refs, "\r\n ") + "\r\n\r\nhi\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.References) != MaxReferences || m.References[0] != "r4950@example.com" || m.References[49] != "r4999@example.com" {
		t.Errorf("%d references kept, from %s to %s", len(m.References), m.References[0], m.References[len(m.References)-1])
	}
}
