package rules

import (
	"strings"
	"testing"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/config"
)

func testMail(t *testing.T, from, subject, headers, body string) *inbox.Message {
	t.Helper()
	raw := "From: " + from + "\r\nTo: shop@example.test\r\nSubject: " + subject + "\r\nMessage-ID: <m@example.com>\r\n" + headers +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
	m, err := inbox.ParseBytes([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRulesClassifyFirstMatchWinsOwnRulesFirst(t *testing.T) {
	owner := []config.Rule{
		{Name: "web shop orders", Category: "purchase", Tags: []string{"webshop"}, Words: []string{"order confirmation"}},
		{Name: "invoice numbers", Category: "purchase", Regex: `(?i)invoice\s*#\d+`},
		{Name: "partner domain", Category: "other", From: []string{"partner.example"}},
		{Name: "shop header", Category: "purchase", Header: []string{"X-Shop: ^checkout$"}},
		{Name: "bells", Category: "feedback", Subject: []string{"bell"}},
	}
	cl, err := NewClassifier(Policy{Owner: []string{"owner@example.test"}, Self: []string{"shop@example.test"}}, owner, true)
	if err != nil {
		t.Fatal(err)
	}
	first := func(string) bool { return true }
	repeat := func(string) bool { return false }
	tests := []struct {
		name      string
		msg       *inbox.Message
		firstTime func(string) bool
		category  string
		rule      string
	}{
		{"owner words", testMail(t, "a@example.com", "Your order confirmation", "", "Thanks!"), first, "purchase", "web shop orders"},
		{"owner regex", testMail(t, "a@example.com", "Question", "", "About invoice #1234, it's wrong."), first, "purchase", "invoice numbers"},
		{"owner sender domain", testMail(t, "x@mail.partner.example", "Hi", "", "Refund please"), first, "other", "partner domain"},
		{"owner header", testMail(t, "a@example.com", "Hello", "X-Shop: checkout\r\n", "Hello"), first, "purchase", "shop header"},
		{"owner subject word", testMail(t, "a@example.com", "The bell", "", "Lovely sound."), first, "feedback", "bells"},
		{"built-in complaint, German", testMail(t, "b@example.de", "Lieferung", "", "Die Lieferung ist nie angekommen. Ich bin enttäuscht."), first, "complaint", "built-in: complaint words"},
		{"built-in complaint beats purchase", testMail(t, "b@example.com", "My order", "", "I want a refund for my order."), first, "complaint", "built-in: complaint words"},
		{"built-in purchase, Spanish", testMail(t, "c@example.es", "Pedido", "", "Hola, he comprado la bicicleta azul."), repeat, "purchase", "built-in: purchase words"},
		{"built-in inquiry by question", testMail(t, "d@example.com", "Hours", "", "When are you open on Sunday?"), repeat, "inquiry", "built-in: inquiry words"},
		{"first contact matching nothing is an inquiry", testMail(t, "e@example.com", "Hello", "", "Hello from Lisbon."), first, "inquiry", "built-in: first contact"},
		{"a repeat customer matching nothing is other", testMail(t, "e@example.com", "Hello", "", "Hello from Lisbon."), repeat, "other", ""},
		{"quoted complaint words are not the customer's", testMail(t, "f@example.com", "Re: Hello", "",
			"Thank you, all good now!\n\nOn Mon, 2 Mar 2026, Pam <owner@example.test> wrote:\n> Sorry the bell arrived broken, a refund is on its way."), repeat, "other", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := cl.Classify(tt.msg, tt.firstTime, nil)
			if d.Category != tt.category || d.Rule != tt.rule {
				t.Errorf("category %q by %q, want %q by %q (own text %q)", d.Category, d.Rule, tt.category, tt.rule, d.Text)
			}
		})
	}
	d := cl.Classify(testMail(t, "a@example.com", "Your order confirmation", "", "Thanks!"), first, nil)
	if tags := cl.RuleTags(nil, d); len(tags) != 1 || tags[0] != "webshop" {
		t.Errorf("rule tags = %v, want [webshop]", tags)
	}
}

func TestOwnerTagsWinOverRulesAndMachinesAreNeverCustomers(t *testing.T) {
	cl, _ := NewClassifier(Policy{Owner: []string{"owner@example.test"}, Self: []string{"shop@example.test"}}, nil, true)
	fwd := testMail(t, "Pam <owner@example.test>", "Fwd: Thanks for the great service #complaint", "",
		"See below\n\n---------- Forwarded message ---------\nFrom: Gil <gil@example.fr>\nDate: Mon, 2 Mar 2026 at 09:12\nSubject: Thanks for the great service\nTo: Pam <owner@example.test>\n\nGreat service, thanks!")
	d := cl.Classify(fwd, func(string) bool { return true }, nil)
	if d.Kind != KindForward || d.Customer.Key() != "gil@example.fr" || d.Category != "complaint" || d.Rule != "owner tag #complaint" {
		t.Errorf("forward = %+v", d)
	}
	for _, tt := range []struct{ name, from, headers string }{
		{"auto-reply", "k@example.com", "Auto-Submitted: auto-replied\r\n"},
		{"list mail", "news@example.com", "List-Id: <news.example.com>\r\n"},
		{"our own mail", "shop@example.test", ""},
		{"no-reply sender", "no-reply@example.com", ""},
	} {
		d := cl.Classify(testMail(t, tt.from, "Re: hello", tt.headers, "I am away."), func(string) bool { return true }, nil)
		if d.Skip == "" || d.Kind == KindCustomer {
			t.Errorf("%s: kind %s, skip %q; want it never answered", tt.name, d.Kind, d.Skip)
		}
	}
}

func TestEveryOwnerTagActsOnTheForwardedCustomer(t *testing.T) {
	cl, _ := NewClassifier(Policy{Owner: []string{"owner@example.test"}, Self: []string{"shop@example.test"}}, nil, true)
	forward := func(note string) *inbox.Message {
		return testMail(t, "Pam <owner@example.test>", "Fwd: A question", "",
			note+"\n\n---------- Forwarded message ---------\nFrom: Gil <gil@example.fr>\nDate: Mon, 2 Mar 2026 at 09:12\nSubject: A question\nTo: Pam <owner@example.test>\n\nDo you have helmets?")
	}
	for _, tt := range []struct {
		tag      string
		category string // "" = left to the rules (an inquiry here)
		optOut   bool
		skip     bool
	}{
		{tag: "#inquiry", category: "inquiry"},
		{tag: "#purchase", category: "purchase"},
		{tag: "#complaint", category: "complaint"},
		{tag: "#feedback", category: "feedback"},
		{tag: "#resolved"},
		{tag: "#stop", optOut: true},
		{tag: "#vip"},
		{tag: "#ignore", skip: true},
	} {
		t.Run(tt.tag, func(t *testing.T) {
			d := cl.Classify(forward("Please see "+tt.tag), func(string) bool { return false }, nil)
			if d.Kind != KindForward || d.Customer.Key() != "gil@example.fr" {
				t.Fatalf("kind %s customer %s", d.Kind, d.Customer.Key())
			}
			if !d.Has(strings.TrimPrefix(tt.tag, "#")) {
				t.Errorf("tags %v lack %s", d.Tags, tt.tag)
			}
			want := tt.category
			if want == "" {
				want = "inquiry"
			}
			if d.Category != want {
				t.Errorf("category %s, want %s", d.Category, want)
			}
			if d.OptOut != tt.optOut || (d.Skip != "") != tt.skip {
				t.Errorf("optOut %v skip %q; want optOut %v, skipped %v", d.OptOut, d.Skip, tt.optOut, tt.skip)
			}
		})
	}
}
