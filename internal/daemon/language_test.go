package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
)

// customerLanguage waits (bounded) until the store knows email's language.
func (h *harness) customerLanguage(d *Daemon, email string, want core.Lang) core.Customer {
	h.t.Helper()
	var c core.Customer
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		var err error
		if c, err = d.Store().Customer(context.Background(), email); err == nil && c.Language == want {
			return c
		}
	}
	h.t.Fatalf("%s's language is %q, want %q", email, c.Language, want)
	return c
}

func TestAGermanInquiryGetsTheGermanThankYouInItsThread(t *testing.T) {
	for _, server := range []string{"in-process", "dovecot"} {
		t.Run(server, func(t *testing.T) {
			h := newHarness(t, server == "dovecot")
			r := h.start()
			r.waitConnected(t)
			h.append(customerMail("Jonas Weber <jonas@example.de>", "Frage zum Lastenrad", "de1@mail.example.de",
				"Guten Tag,\n\nhaben Sie das Lastenrad in Grün noch vorrätig? Ich würde es gerne am Samstag ansehen und wüsste gern, "+
					"ob eine Probefahrt möglich ist.\n\nViele Grüße\nJonas Weber"))
			msgs := h.waitSent(1)
			hdr, body := parsed(t, msgs[0])
			if got := hdr.Header.Get("In-Reply-To"); got != "<de1@mail.example.de>" {
				t.Errorf("In-Reply-To = %q: not in the customer's thread", got)
			}
			if got := hdr.Header.Get("Subject"); got != "Re: Frage zum Lastenrad" {
				t.Errorf("Subject = %q", got)
			}
			if !strings.Contains(body, "Jonas") || !strings.Contains(body, "innerhalb von 24 Stunden") || strings.Contains(body, "Thank") {
				t.Errorf("the thank-you is not the German one, with the promise in German:\n%s", body)
			}
			c := h.customerLanguage(r.d, "jonas@example.de", core.German)
			if c.LanguageByOwner {
				t.Error("a detected language is recorded as the owner's choice")
			}
		})
	}
}

func TestAnOwnersOwnTemplateIsNeverOverruledByABuiltInTranslation(t *testing.T) {
	h := newHarness(t, false)
	dir := filepath.Join(h.dir, "templates")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "thank-you.txt"), []byte("Subject: {{reply .Message.Subject}}\n\nPam's own words for {{.Customer.FirstName}}.\n"), 0o644)
	h.extraConfig = "[templates]\ndir = \"templates\"\n"
	h.extraBusiness = "min_gap = \"0s\"\n"
	h.cfg = h.config(testSequences)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Jonas Weber <jonas@example.de>", "Frage", "de2@mail.example.de",
		"Guten Tag, haben Sie das Lastenrad in Grün noch vorrätig? Ich würde es gerne am Samstag ansehen."))
	if _, body := parsed(t, h.waitSent(1)[0]); !strings.Contains(body, "Pam's own words for Jonas.") {
		t.Errorf("a built-in German translation overruled the owner's thank-you.txt:\n%s", body)
	}
	r.stop()

	// The owner adds a German version: it is used.
	os.WriteFile(filepath.Join(dir, "thank-you.de.txt"), []byte("Subject: {{reply .Message.Subject}}\n\nPams eigene Worte für {{.Customer.FirstName}}.\n"), 0o644)
	r = h.start()
	r.waitConnected(t)
	h.append(customerMail("Jonas Weber <jonas@example.de>", "Noch eine Frage", "de3@mail.example.de",
		"Und gibt es das Lastenrad auch mit einem größeren Korb? Das wäre für meine Kinder wichtig."))
	if _, body := parsed(t, h.waitSent(2)[1]); !strings.Contains(body, "Pams eigene Worte für Jonas.") {
		t.Errorf("the owner's thank-you.de.txt was not used:\n%s", body)
	}
}

func TestOneWordDoesNotChangeACustomersLanguageButTheOwnerCan(t *testing.T) {
	h := newHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Léa Martin <lea@example.fr>", "Question", "fr1@example.fr",
		"Bonjour, est-ce que vous livrez aussi le dimanche matin ? Je voudrais offrir un bouquet à ma mère."))
	h.customerLanguage(r.d, "lea@example.fr", core.French)
	h.append(customerMail("Léa Martin <lea@example.fr>", "Re: Question", "fr2@example.fr", "Thanks!"))
	h.waitStats(r.d, "both messages", func(st store.Stats) bool { return st.Messages == 2 })
	h.customerLanguage(r.d, "lea@example.fr", core.French)

	// The owner says she reads Spanish best: a command, then detection
	// never changes it back.
	h.append(stamped(crlf("From: Pam <owner@example.test>\nTo: shop@example.test\nSubject: language\nMessage-ID: <cmd1@example.test>\n\n#lang:es lea@example.fr\n")))
	c := h.customerLanguage(r.d, "lea@example.fr", core.Spanish)
	if !c.LanguageByOwner {
		t.Error("#lang did not record the owner's choice")
	}
	h.append(customerMail("Léa Martin <lea@example.fr>", "Encore une question", "fr3@example.fr",
		"Bonjour, est-ce que le bouquet de pivoines existe aussi en blanc ? Merci beaucoup pour votre aide."))
	h.waitStats(r.d, "four messages", func(st store.Stats) bool { return st.Messages == 4 })
	h.customerLanguage(r.d, "lea@example.fr", core.Spanish)
}

const feedbackFreeSequences = `
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [
  { after = "0s", template = "thank-you" },
  { after = "3d", template = "check-in" },
]

[[sequence]]
name = "complaint"
on = "complaint"
steps = [
  { after = "0s", template = "apology" },
  { after = "0s", template = "owner-alert", to = "owner" },
]
`

func TestAFirstContactNoSequenceStartsOnIsAcknowledgedAndNothingIsSilent(t *testing.T) {
	h := newHarness(t, false)
	h.extraConfig = "[[rule]]\nname = \"suppliers\"\ncategory = \"other\"\nfrom = [\"supplier.example\"]\n\n[digest]\ntime = \"\"\n"
	h.cfg = h.config(feedbackFreeSequences)
	var log strings.Builder
	r := h.startLogging(&log)
	r.waitConnected(t)
	h.append(customerMail("Bo Chen <bo@example.org>", "Thank you!", "fb1@example.org",
		"Just wanted to say the wheel you trued is perfect, best service in town. Thank you so much!"))
	c := h.waitFor("bo@example.org", "Re: Thank you!")
	if _, body := parsed(t, c); !strings.Contains(body, "Hi Bo") {
		t.Errorf("the acknowledgement is not the inquiry sequence's thank-you:\n%s", body)
	}
	// The owner's own routing: nothing is sent, but the digest says so.
	h.append(customerMail("Sales <sales@supplier.example>", "New catalogue", "sup1@supplier.example", "Our spring catalogue is out."))
	h.waitStats(r.d, "both messages", func(st store.Stats) bool { return st.Messages == 2 })
	text, _, err := DigestText(context.Background(), r.d.Store(), h.cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "sales@supplier.example") || !strings.Contains(text, "no sequence for other") {
		t.Errorf("the digest does not list the unanswered first contact:\n%s", text)
	}
	if n := h.sentTo("sales@supplier.example"); n != 0 {
		t.Errorf("%d emails to the supplier the owner's rule routed to other", n)
	}
	if !strings.Contains(log.String(), "acknowledged with the inquiry sequence's first step") ||
		!strings.Contains(log.String(), "nothing planned: no sequence starts on other") {
		t.Errorf("the log does not say why:\n%s", log.String())
	}
}

func TestAnUnsureReadingGetsTheNeutralAnswerAndTheDigestShowsItsEvidence(t *testing.T) {
	h := newHarness(t, false)
	h.cfg = h.config(feedbackFreeSequences)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Gus Moe <gus@example.org>", "Friday", "u1@example.org",
		"Hi, there may be a problem with my booking for Friday, can you check?"))
	c := h.waitFor("gus@example.org", "Re: Friday")
	if _, body := parsed(t, c); strings.Contains(strings.ToLower(body), "sorry") {
		t.Errorf("an unsure reading got an apology:\n%s", body)
	}
	text, _, err := DigestText(context.Background(), r.d.Store(), h.cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "gus@example.org") || !strings.Contains(text, `"problem"`) || !strings.Contains(text, "#complaint") {
		t.Errorf("the digest does not show the unsure reading with its evidence and how to settle it:\n%s", text)
	}
}

func TestTheOwnersComplaintTagCorrectsAReadingWithoutRepeatingWhatWasSent(t *testing.T) {
	h := flowHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana López <ana@example.com>", "My bike", "a1@example.com", "Hello, could you call me about my bike?"))
	h.waitFor("ana@example.com", "[thank-you]")
	// The owner knows better: it is a complaint (answering the digest, say).
	h.append(stamped(crlf("From: Pam <owner@example.test>\nTo: shop@example.test\nSubject: Re: Acme Bikes today\nMessage-ID: <cmd2@example.test>\n\n" +
		"#complaint ana@example.com\n\nOn Mon, Pam wrote:\n> Messages I wasn't sure how to read: ana@example.com\n")))
	h.waitFor("ana@example.com", "[apology]")
	h.waitFor("owner@example.test", "[owner-alert]")
	h.waitStats(r.d, "the case open and the feedback request cancelled", func(st store.Stats) bool {
		return st.OpenCases == 1 && st.Followups[core.Cancelled] == 1
	})
	if n := h.sentTo("ana@example.com"); n != 2 {
		t.Errorf("%d emails to Ana, want the thank-you and the apology:\n%s", n, h.summary())
	}
}

// startLogging is start with the log also written to w.
func (h *harness) startLogging(w *strings.Builder) *running {
	h.logTo = w
	return h.start()
}

// When the second reader moved a reading, the digest says so first: the
// owner sees why a message with a problem word in it was not answered
// with an apology.
func TestTheDigestSaysWhenTheSecondReaderMovedAReading(t *testing.T) {
	js := `[{"signal":"problem","phrase":"is a different colour","weight":2.5},` +
		`{"signal":"question","phrase":"What do you suggest?","weight":1},` +
		`{"signal":"learned","phrase":"inquiry 91 %","weight":0,"note":"the second reader reads no complaint"},` +
		`{"signal":"learned","phrase":"?","weight":3.4}]`
	got := evidenceSummary(js)
	want := `learned "inquiry 91 %" (the second reader reads no complaint); problem "is a different colour" +2.5; `
	if !strings.HasPrefix(got, want) {
		t.Errorf("summary %q\nwant it to start %q", got, want)
	}
	if plain := evidenceSummary(`[{"signal":"ask","phrase":"Do you","weight":1}]`); plain != `ask "Do you" +1.0` {
		t.Errorf("a reading the second reader left alone: %q", plain)
	}
}
