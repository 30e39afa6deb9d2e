package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
)

var at = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// firstContact decides a first contact from a new customer with body as
// its words and no subject.
func firstContact(t *testing.T, p *Policy, body string) Decision {
	t.Helper()
	return decide(t, p, testMail(t, "Kim <kim@example.com>", "", "", body), nil)
}

// readAs is a first contact's words and the category they should be
// read as.
type readAs struct {
	body string
	want core.Category
}

// wantFirstContacts decides each body as a first contact and reports
// every one read as another category.
func wantFirstContacts(t *testing.T, p *Policy, cases []readAs) {
	t.Helper()
	for _, tt := range cases {
		d := firstContact(t, p, tt.body)
		if d.Category != tt.want {
			t.Errorf("%q: %s (unsure %v), want %s; evidence %v", tt.body, d.Category, d.Unsure, tt.want, d.Evidence)
		}
	}
}

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

// ownerMail is mail from the owner, stamped as the shop's receiving server
// (mx.shop.test, the testPolicy's authserv-id) stamps it.
func ownerMail(t *testing.T, subject, headers, body string) *inbox.Message {
	t.Helper()
	return testMail(t, "Pam <owner@example.test>", subject, "Authentication-Results: mx.shop.test; dmarc=pass header.from=example.test\r\n"+headers, body)
}

func step(after time.Duration, template string, to core.Recipient, when ...core.Condition) config.Step {
	return config.Step{After: config.Duration{Duration: after}, Template: template, To: to, When: when}
}

// defaultSequences are the four of config.example.toml.
func defaultSequences() []config.Sequence {
	return []config.Sequence{
		{Name: "new-contact", On: core.EventInquiry, Steps: []config.Step{step(0, "thank-you", ""), step(72*time.Hour, "check-in", "")}},
		{Name: "after-purchase", On: core.EventPurchase, Steps: []config.Step{step(0, "thank-you", ""), step(120*time.Hour, "feedback-request", "", core.IfNoReply)}},
		{Name: "complaint", On: core.EventComplaint, Steps: []config.Step{step(0, "apology", ""), step(0, "owner-alert", core.ToOwner),
			step(20*time.Hour, "owner-reminder", core.ToOwner, core.IfOwnerSilent, core.IfCaseOpen)}},
		{Name: "after-resolution", On: core.EventResolved, Steps: []config.Step{step(72*time.Hour, "satisfaction-check", "")}},
	}
}

func testPolicy(t *testing.T, change func(*config.Config)) *Policy {
	t.Helper()
	cfg := config.Default()
	cfg.Business.OwnerEmail = "owner@example.test"
	cfg.IMAP.Username = "shop@example.test"
	cfg.SMTP.From = "Pam <shop@example.test>"
	cfg.Sequences = defaultSequences()
	cfg.Trust.IDs = []string{"mx.shop.test"}
	if change != nil {
		change(cfg)
	}
	p, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// store is a Known with a few customers in it.
type store struct {
	customers map[string]core.Customer
	open      map[int64]*core.Case
	latest    map[int64]*core.Contact
	forgotten map[string]bool
}

func (s store) Customer(email string) (core.Customer, bool, error) {
	c, ok := s.customers[email]
	return c, ok, nil
}
func (s store) OpenCase(id int64) (*core.Case, error)  { return s.open[id], nil }
func (s store) Latest(id int64) (*core.Contact, error) { return s.latest[id], nil }
func (s store) Forgotten(email string) (bool, error)   { return s.forgotten[email], nil }

func decide(t *testing.T, p *Policy, m *inbox.Message, k Known) Decision {
	t.Helper()
	if k == nil {
		k = nobody{}
	}
	d, err := p.Decide(m, Facts{At: at}, k)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func templates(fs []core.Followup) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Template)
	}
	return strings.Join(s, " ")
}

func TestOwnersRulesComeFirstThenTheBuiltInReading(t *testing.T) {
	p := testPolicy(t, func(c *config.Config) {
		c.Rules = []config.Rule{
			{Name: "web shop orders", Category: core.Purchase, Tags: []string{"webshop"}, Words: []string{"order confirmation"}},
			{Name: "invoice numbers", Category: core.Purchase, Regex: `(?i)invoice\s*#\d+`},
			{Name: "partner domain", Category: core.Other, From: []string{"partner.example"}},
			{Name: "shop header", Category: core.Purchase, Header: []string{"X-Shop: ^checkout$"}},
			{Name: "bells", Category: core.Feedback, Subject: []string{"bell"}},
		}
	})
	repeat := store{customers: map[string]core.Customer{"e@example.com": {ID: 5, Contacts: 3}}}
	tests := []struct {
		name     string
		msg      *inbox.Message
		known    Known
		category core.Category
		rule     string
	}{
		{"owner words", testMail(t, "a@example.com", "Your order confirmation", "", "Thanks!"), nil, core.Purchase, "web shop orders"},
		{"owner regex", testMail(t, "a@example.com", "Question", "", "About invoice #1234, it's wrong."), nil, core.Purchase, "invoice numbers"},
		{"owner sender domain", testMail(t, "x@mail.partner.example", "Hi", "", "Refund please"), nil, core.Other, "partner domain"},
		{"owner header", testMail(t, "a@example.com", "Hello", "X-Shop: checkout\r\n", "Hello"), nil, core.Purchase, "shop header"},
		{"owner subject word", testMail(t, "a@example.com", "The bell", "", "Lovely sound."), nil, core.Feedback, "bells"},
		{"built-in complaint, German", testMail(t, "b@example.de", "Lieferung", "", "Die Lieferung ist nie angekommen. Ich bin enttäuscht."), nil, core.Complaint, ruleBuiltIn},
		{"built-in complaint beats purchase", testMail(t, "b@example.com", "My order", "", "I ordered the bell last week and it arrived broken. I want a refund."), nil, core.Complaint, ruleBuiltIn},
		{"built-in purchase, Spanish", testMail(t, "c@example.es", "Pedido", "", "Hola, quisiera pedir dos bicicletas azules, por favor."), nil, core.Purchase, ruleBuiltIn},
		{"built-in inquiry by question", testMail(t, "d@example.com", "Hours", "", "When are you open on Sunday?"), nil, core.Inquiry, ruleBuiltIn},
		{"first contact matching nothing is an inquiry", testMail(t, "e@example.com", "Hello", "", "Hello from Lisbon."), nil, core.Inquiry, ruleFirstContact},
		{"a repeat customer matching nothing is other", testMail(t, "e@example.com", "Hello", "", "Hello from Lisbon."), repeat, core.Other, ruleBuiltIn},
		{"quoted complaint words are not the customer's", testMail(t, "f@example.com", "Re: Hello", "",
			"Thank you, all good now!\n\nOn Mon, 2 Mar 2026, Pam <owner@example.test> wrote:\n> Sorry the bell arrived broken, a refund is on its way."), repeat, core.Feedback, ruleBuiltIn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(t, p, tt.msg, tt.known)
			if d.Category != tt.category || d.Rule != tt.rule {
				t.Errorf("category %q by %q, want %q by %q (own text %q, evidence %v)", d.Category, d.Rule, tt.category, tt.rule, d.Text, d.Evidence)
			}
		})
	}
	d := decide(t, p, testMail(t, "a@example.com", "Your order confirmation", "", "Thanks!"), nil)
	if !d.Tags.Has("webshop") {
		t.Errorf("rule tags = %v, want webshop", d.Tags)
	}
}

func TestOwnerTagsWinOverRulesAndMachinesAreNeverCustomers(t *testing.T) {
	p := testPolicy(t, nil)
	fwd := ownerMail(t, "Fwd: Thanks for the great service #complaint", "",
		"See below\n\n---------- Forwarded message ---------\nFrom: Gil <gil@example.fr>\nDate: Mon, 2 Mar 2026 at 09:12\nSubject: Thanks for the great service\nTo: Pam <owner@example.test>\n\nGreat service, thanks!")
	d := decide(t, p, fwd, nil)
	if d.Kind != core.KindForward || d.Customer.Key() != "gil@example.fr" || d.Category != core.Complaint || d.Rule != "owner tag #complaint" {
		t.Errorf("forward = %+v", d)
	}
	if a := d.Acts[0]; a.Event != core.EventComplaint || templates(a.Plan) != "apology owner-alert owner-reminder" {
		t.Errorf("the owner's #complaint plans %q (%s)", templates(a.Plan), a.Event)
	}
	for _, tt := range []struct{ name, from, headers string }{
		{"auto-reply", "k@example.com", "Auto-Submitted: auto-replied\r\n"},
		{"list mail", "news@example.com", "List-Id: <news.example.com>\r\n"},
		{"our own mail", "shop@example.test", ""},
		{"no-reply sender", "no-reply@example.com", ""},
	} {
		d := decide(t, p, testMail(t, tt.from, "Re: hello", tt.headers, "I am away."), nil)
		if d.Skip == "" || d.Kind == core.KindCustomer || len(d.Acts) > 0 {
			t.Errorf("%s: kind %s, skip %q, %d acts; want it never answered", tt.name, d.Kind, d.Skip, len(d.Acts))
		}
	}
}

func TestEveryOwnerTagActsOnTheForwardedCustomer(t *testing.T) {
	p := testPolicy(t, nil)
	forward := func(note string) *inbox.Message {
		return ownerMail(t, "Fwd: A question", "",
			note+"\n\n---------- Forwarded message ---------\nFrom: Gil <gil@example.fr>\nDate: Mon, 2 Mar 2026 at 09:12\nSubject: A question\nTo: Pam <owner@example.test>\n\nDo you have helmets?")
	}
	for _, tt := range []struct {
		tag      string
		category core.Category // "" = left to the reading (an inquiry here)
		optOut   bool
		skip     bool
		vip      bool
		lang     core.Lang
	}{
		{tag: "#inquiry", category: core.Inquiry},
		{tag: "#purchase", category: core.Purchase},
		{tag: "#complaint", category: core.Complaint},
		{tag: "#feedback", category: core.Feedback},
		{tag: "#resolved"},
		{tag: "#stop", optOut: true},
		{tag: "#vip", vip: true},
		{tag: "#ignore", skip: true},
		{tag: "#lang:de", lang: core.German},
		{tag: "#lang:no", lang: core.Norwegian},
	} {
		t.Run(tt.tag, func(t *testing.T) {
			d := decide(t, p, forward("Please see "+tt.tag), nil)
			if d.Kind != core.KindForward || d.Customer.Key() != "gil@example.fr" {
				t.Fatalf("kind %s customer %s", d.Kind, d.Customer.Key())
			}
			want := tt.category
			if want == "" {
				want = core.Inquiry
			}
			a := d.Acts[0]
			if d.Category != want {
				t.Errorf("category %s, want %s", d.Category, want)
			}
			if d.OptOut != tt.optOut || (a.OptOut != "") != tt.optOut || (d.Skip != "") != tt.skip || a.VIP != tt.vip {
				t.Errorf("optOut %v/%q skip %q vip %v; want optOut %v, skipped %v, vip %v", d.OptOut, a.OptOut, d.Skip, a.VIP, tt.optOut, tt.skip, tt.vip)
			}
			if tt.lang != "" && (a.Language != tt.lang || !a.LanguageOwner) {
				t.Errorf("language %q (by owner %v), want %q by the owner", a.Language, a.LanguageOwner, tt.lang)
			}
			if tt.skip && len(a.Plan) > 0 {
				t.Errorf("#ignore planned %s", templates(a.Plan))
			}
		})
	}
}

// TestTheMisreadingsOfTheIssueAreReadRight replays what issue 11 found,
// through the whole decision.
func TestTheMisreadingsOfTheIssueAreReadRight(t *testing.T) {
	p := testPolicy(t, nil)
	for _, tt := range []struct {
		text string
		want core.Category
	}{
		{"What is your refund policy before I buy?", core.Inquiry},
		{"Where is my order #4412? I ordered three weeks ago and the tracking hasn't moved", core.Complaint},
		{"Ich warte seit zwei Wochen auf meine Bestellung", core.Complaint},
		{"you sent a large instead of a medium, can I exchange it?", core.Complaint},
		{"Me han enviado un producto equivocado", core.Complaint},
		{"a minha encomenda chegou danificada", core.Complaint},
		{"Can you recommend a good lock?", core.Inquiry},
		{"merci, le bouquet était magnifique", core.Feedback},
		{"bedankt voor de snelle service", core.Feedback},
		{"grazie mille", core.Feedback},
	} {
		d := firstContact(t, p, tt.text)
		if d.Category != tt.want || d.Unsure {
			t.Errorf("%q: %s (unsure %v), want %s; evidence %v", tt.text, d.Category, d.Unsure, tt.want, d.Evidence)
		}
	}
}

// TestAnAnswerToTheShopsOrderMailIsAboutTheCustomersOrder: the subject
// of the shop's shipping notice is no evidence of what the customer
// means, but "one thing instead of another" in an answer to it is what
// came, not a wish.
func TestAnAnswerToTheShopsOrderMailIsAboutTheCustomersOrder(t *testing.T) {
	p := testPolicy(t, nil)
	for _, tt := range []struct {
		subject, body string
	}{
		{"AW: Ihre Bestellung 40213 ist unterwegs", "Guten Tag, heute kam das Paket. Darin lag statt der Teekanne aus Steingut eine aus Glas. Wie machen wir das?"},
		{"Re: Votre commande 7781 a été expédiée", "Bonjour, dans le colis il y avait un pull bleu au lieu du vert. Comment fait-on ?"},
		{"Re: Seu pedido 5512 foi enviado", "Oi, no pacote veio um caderno pautado em vez do quadriculado. Como resolvemos?"},
	} {
		d := decide(t, p, testMail(t, "Kim <kim@example.com>", tt.subject, "In-Reply-To: <n1@shop.example>\r\n", tt.body), nil)
		if d.Category != core.Complaint || d.Unsure {
			t.Errorf("%q: %s (unsure %v), want complaint; evidence %v", tt.body, d.Category, d.Unsure, d.Evidence)
		}
		// The same words, not an answer to mail about an order: a wish
		// may be read as a complaint only when something else says so.
		d = firstContact(t, p, "Ich hätte gern die Torte mit Himbeeren statt Erdbeeren, für Samstag.")
		if d.Category == core.Complaint {
			t.Errorf("an order with a wish read as a complaint; evidence %v", d.Evidence)
		}
	}
}

// TestBoughtElsewhereExplainsOnlyTheProblemBesideIt: "the old glasses came
// from another optician" is about that sentence; a problem with this
// shop's own work told paragraphs later is still a complaint.
func TestBoughtElsewhereExplainsOnlyTheProblemBesideIt(t *testing.T) {
	p := testPolicy(t, nil)
	wantFirstContacts(t, p, []readAs{
		{"My old frames were bought at another optician years ago.\n\nAnyway, I came to you for new lenses last week.\n\nYou fitted them on Monday.\n\n" +
			"The new lenses you fitted are scratched and the left one is loose. Please sort this out.", core.Complaint},
		{"Hello, I dropped my phone yesterday and the screen is cracked. Do you replace screens, and how much would it cost?", core.Inquiry},
		// Trouble that was only another business's is no hint of trouble
		// here: the thanks are feedback.
		{"Our previous garage overcharged us for years. You were honest, quick and fair, thank you so much!", core.Feedback},
		// Much trouble, all of it elsewhere: never an apology; the
		// neutral acknowledgement, and the owner sees it.
		{"Before you we went to the dealer's workshop: we waited three weeks for a part, the bill was twice the quote and nobody ever called back. " +
			"With you the van was ready in two days, at the price you gave on the phone. Thank you!", core.Inquiry},
	})
}

// TestTroubleThatMakesANewCustomerAskIsNoComplaint: questions about a job
// to be done, with the trouble behind them, are answered neutrally (an
// unsure inquiry), while the same trouble with something the shop did or
// sold is a complaint.
func TestTroubleThatMakesANewCustomerAskIsNoComplaint(t *testing.T) {
	p := testPolicy(t, nil)
	for _, tt := range []struct {
		body string
		want core.Category
	}{
		{"Hi, the brakes on my old cargo bike barely work and the chain is rusty. Do you service cargo bikes? Roughly what would it cost?", core.Inquiry},
		{"Hei! Vasken på badet lekker og kranen drypper. Tar dere små jobber? Hva koster en time?", core.Inquiry},
		{"The brakes you fitted on Saturday barely work and the chain is rusty already. Can you look at it? When can I come by?", core.Complaint},
		{"Die Bremsen, die Sie am Samstag eingebaut haben, greifen kaum. Wann kann ich vorbeikommen? Geht das diese Woche?", core.Complaint},
	} {
		d := firstContact(t, p, tt.body)
		if d.Category != tt.want {
			t.Errorf("%q: %s (unsure %v), want %s; evidence %v", tt.body, d.Category, d.Unsure, tt.want, d.Evidence)
		}
		if tt.want == core.Inquiry && !d.Unsure && len(d.Evidence) > 0 {
			for _, e := range d.Evidence {
				// A problem with something of theirs from elsewhere ("my old
				// bike") is no sign of trouble with this shop.
				if e.Signal == "problem" && e.Weight > 0 && !strings.Contains(e.Note, "not this shop's doing") {
					t.Errorf("%q: a problem was read but the reading is not unsure", tt.body)
				}
			}
		}
	}
}

func TestAnUnsubscribeThatFailedStopsTheMailAndReachesTheOwnerAsAComplaint(t *testing.T) {
	p := testPolicy(t, nil)
	d := decide(t, p, testMail(t, "Kim <kim@example.com>", "Newsletter", "",
		"I tried to unsubscribe from your newsletter but I still get it, can you check?"), nil)
	a := d.Acts[0]
	if !d.OptOut || a.OptOut == "" {
		t.Fatalf("not opted out: %+v", a)
	}
	if d.Category != core.Complaint || templates(a.Plan) != "owner-alert owner-reminder" || templates(a.Blocked) != "apology" {
		t.Errorf("read %s, plans %q, blocks %q; want the owner alerted of a complaint and nothing to the customer (evidence %v)",
			d.Category, templates(a.Plan), templates(a.Blocked), d.Evidence)
	}
}

func TestAFirstContactNoSequenceStartsOnGetsTheInquiryAcknowledgement(t *testing.T) {
	p := testPolicy(t, nil) // no sequence starts on feedback
	d := decide(t, p, testMail(t, "Léa <lea@example.fr>", "Merci", "", "Merci beaucoup, le bouquet était magnifique !"), nil)
	a := d.Acts[0]
	if d.Category != core.Feedback || a.Event != core.EventInquiry || templates(a.Plan) != "thank-you" || a.Unanswered != "" {
		t.Errorf("feedback at first contact: event %s, plan %q, unanswered %q; want the inquiry sequence's first step", a.Event, templates(a.Plan), a.Unanswered)
	}
	if len(a.Notes) == 0 || !strings.Contains(a.Notes[0], "no sequence starts on") {
		t.Errorf("notes %q do not say why", a.Notes)
	}

	// The owner's own routing stands, and is reported.
	routed := testPolicy(t, func(c *config.Config) {
		c.Rules = []config.Rule{{Name: "suppliers", Category: core.Other, From: []string{"supplier.example"}}}
	})
	d = decide(t, routed, testMail(t, "sales@supplier.example", "New catalogue", "", "Our new catalogue is out."), nil)
	if a := d.Acts[0]; len(a.Plan) != 0 || a.Unanswered != "no sequence for other" {
		t.Errorf("owner-routed first contact: plan %q, unanswered %q; want nothing sent and the digest told", templates(a.Plan), a.Unanswered)
	}

	// With no inquiry sequence either, the first contact is reported.
	bare := testPolicy(t, func(c *config.Config) { c.Sequences = c.Sequences[2:] })
	d = decide(t, bare, testMail(t, "Léa <lea@example.fr>", "Merci", "", "Merci beaucoup, le bouquet était magnifique !"), nil)
	if a := d.Acts[0]; len(a.Plan) != 0 || a.Unanswered == "" {
		t.Errorf("no inquiry sequence: plan %q, unanswered %q", templates(a.Plan), a.Unanswered)
	}
}

func TestAnswersToARatingRequestAreFeedbackAndALowRatingIsAComplaint(t *testing.T) {
	p := testPolicy(t, nil)
	asked := &core.Followup{Sequence: "after-purchase", Step: 1, Template: "feedback-request"}
	for _, tt := range []struct {
		body   string
		rating int
		event  core.Event
	}{
		{"5 - lovely bike, thanks", 5, ""},
		{"2/5, the saddle came loose", 2, core.EventComplaint},
	} {
		d, err := p.Decide(testMail(t, "Bo <bo@example.org>", "Re: How did it go?", "", tt.body), Facts{At: at, Replied: asked}, nobody{})
		if err != nil {
			t.Fatal(err)
		}
		a := d.Acts[0]
		if !d.Feedback || d.Rating != tt.rating || !a.Feedback || a.Event != tt.event {
			t.Errorf("%q: feedback %v rating %d event %q, want rating %d event %q", tt.body, d.Feedback, d.Rating, a.Event, tt.rating, tt.event)
		}
	}
	// A template named like a feedback request asks for a rating even
	// without `asks`; one that says asks: rating does whatever its name.
	if p.AsksFor("x", 0, "review-please") != core.AsksRating || p.AsksFor("x", 0, "thank-you") != core.AsksNothing {
		t.Error("asks by name")
	}
	named := testPolicy(t, nil)
	named.asks = func(string) core.Asks { return core.AsksRating }
	if named.AsksFor("x", 0, "how-was-it") != core.AsksRating {
		t.Error("asks by front matter")
	}
}

func TestTheOwnersCategoryTagCorrectsTheNewestReading(t *testing.T) {
	p := testPolicy(t, nil)
	ana := core.Customer{ID: 7, Email: "ana@example.com", Contacts: 1}
	k := store{
		customers: map[string]core.Customer{"ana@example.com": ana},
		latest: map[int64]*core.Contact{7: {Message: core.Thread{ID: 30, Subject: "My parcel", Category: core.Inquiry},
			Trigger: "m:30", Seq: 30, Sent: []string{"thank-you"}}},
	}
	d := decide(t, p, ownerMail(t, "digest", "", "#complaint ana@example.com"), k)
	if d.Kind != core.KindOwnerCommand || len(d.Acts) != 1 {
		t.Fatalf("kind %s, %d acts", d.Kind, len(d.Acts))
	}
	r := d.Acts[0].Reclassify
	if r == nil || !r.Changes || r.From != core.Inquiry || r.To != core.Complaint || !r.OpenCase {
		t.Fatalf("reclassification %+v", r)
	}
	if templates(r.Plan) != "apology owner-alert owner-reminder" || r.Plan[0].TriggerKey != "m:30/complaint" {
		t.Errorf("plan %q (%s)", templates(r.Plan), r.Plan[0].TriggerKey)
	}
	// Read again as a purchase: the thank-you already went; only the
	// feedback request is new.
	d = decide(t, p, ownerMail(t, "", "", "#purchase ana@example.com"), k)
	if r := d.Acts[0].Reclassify; templates(r.Plan) != "feedback-request" || !d.Acts[0].Purchase {
		t.Errorf("purchase plan %q, purchase counted %v", templates(r.Plan), d.Acts[0].Purchase)
	}
}

// TestSmallTalkIsNoQuestion: "how are you?" in a thank-you note asks
// nothing, so the note is feedback; a real question beside the small talk
// still makes an inquiry.
func TestSmallTalkIsNoQuestion(t *testing.T) {
	p := testPolicy(t, nil)
	wantFirstContacts(t, p, []readAs{
		{"Hi Sam, how are you?\n\nJust a quick note to say thank you for the lovely flowers for my mum's birthday, she was thrilled.", core.Feedback},
		{"Oi Rita, tudo bem?\n\nSó queria agradecer pelo bolo de ontem, estava maravilhoso.", core.Feedback},
		{"Hallo Frau Berg, wie geht's?\n\nVielen Dank für die schnelle Reparatur, das Rad fährt wie neu.", core.Feedback},
		{"Hi Sam, how are you? Do you deliver to Leeds?", core.Inquiry},
	})
}

// TestNeitherThanksNorApologyWhenTheWordsPullBothWays: praise beside words
// of repetition and anger, with no thanks, may be sarcasm: no rating
// request; a thank-you note that tells the trouble it was about, asking
// and demanding nothing, gets no apology.
func TestNeitherThanksNorApologyWhenTheWordsPullBothWays(t *testing.T) {
	p := testPolicy(t, nil)
	for _, body := range []string{
		"Fantastic. Third Saturday in a row that my reserved paper was 'already gone'.",
		"Genial. Otra vez el sábado sin mi revista reservada, y ya van tres.",
	} {
		d := firstContact(t, p, body)
		if d.Category == core.Feedback || d.Category == core.Purchase {
			t.Errorf("%q: %s, want no thanks; evidence %v", body, d.Category, d.Evidence)
		}
	}
	for _, body := range []string{
		"Dear Rosa, I brought you my mother's wedding dress with that yellow stain on the bodice, and the hem all grey. " +
			"I tried it on today and it is like new, I could have cried. Thank you from the bottom of my heart.",
		"Just a quick thank-you. My order was missing the pump last week; Marta answered within the hour and sent it the same day. " +
			"The tank is running and the fish are happy. Brilliant service, really!",
	} {
		d := firstContact(t, p, body)
		if d.Category == core.Complaint {
			t.Errorf("%q: %s, want no apology; evidence %v", body, d.Category, d.Evidence)
		}
	}
}
