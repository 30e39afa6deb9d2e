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
	"github.com/followupd/followupd/internal/testserver"
)

const complaintSequences = `
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [
  { after = "0s", template = "thank-you" },
  { after = "3s", template = "feedback-request" },
]

[[sequence]]
name = "complaint"
on = "complaint"
steps = [
  { after = "0s",  template = "apology" },
  { after = "0s",  template = "owner-alert", to = "owner" },
  { after = "3s", template = "owner-reminder", to = "owner", when = ["owner-silent", "case-open"] },
]

[[sequence]]
name = "after-resolution"
on = "resolved"
steps = [ { after = "2s", template = "satisfaction-check" } ]
`

// flowHarness is a harness with the complaint sequences and no min_gap,
// so second-scale delays are not held back by the one-a-day throttle.
// Each template says its name in brackets, so tests can tell them apart
// whatever the shipped defaults' wording.
func flowHarness(t *testing.T, dovecot bool) *harness {
	h := newHarness(t, dovecot)
	dir := filepath.Join(h.dir, "templates")
	os.Mkdir(dir, 0o755)
	for _, name := range []string{"thank-you", "check-in", "feedback-request", "apology", "owner-alert", "owner-reminder", "satisfaction-check", "stay-in-touch"} {
		body := "Subject: {{reply .Message.Subject}}\n\n[" + name + "] Hi {{.Customer.FirstName}}\n{{with .Case}}case {{.ID}}{{end}}\n{{.Message.Text}}\n"
		if strings.HasPrefix(name, "owner-") {
			body = "Subject: [" + name + "] {{.Customer.Email}}: {{.Message.Subject}}\n\n[" + name + "] followupd resolve {{.Customer.Email}}\n{{.Message.Text}}\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h.extraBusiness = "min_gap = \"0s\"\n"
	h.extraConfig = "[templates]\ndir = \"templates\"\n"
	h.cfg = h.config(complaintSequences)
	return h
}

// waitFor waits (bounded) until a message whose subject or body shows
// the wanted text has reached to, and returns it.
func (h *harness) waitFor(to, contains string) testserver.Captured {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for n := 1; ; n++ {
		msgs, err := h.smtp.Wait(ctx, n)
		if err != nil {
			h.t.Fatalf("no message to %s containing %q arrived; have:\n%s", to, contains, h.summary())
		}
		c := msgs[n-1]
		if c.To[0] != to {
			continue
		}
		_, body := parsed(h.t, c)
		if strings.Contains(string(c.Data), contains) || strings.Contains(body, contains) {
			return c
		}
	}
}

func (h *harness) summary() string {
	var b strings.Builder
	for _, c := range h.smtp.Messages() {
		m, _ := parsed(h.t, c)
		b.WriteString("  " + c.To[0] + ": " + m.Header.Get("Subject") + "\n")
	}
	return b.String()
}

func (h *harness) sentTo(to string) int {
	n := 0
	for _, c := range h.smtp.Messages() {
		if c.To[0] == to {
			n++
		}
	}
	return n
}

func TestComplaintGetsApologyAlertReminderThenSatisfactionCheck(t *testing.T) {
	h := flowHarness(t, false)
	r := h.start()
	r.waitConnected(t)

	h.append(customerMail("Dana Reyes <dana@example.com>", "Unexpected fee on my invoice", "c1@example.com",
		"Hi, I was charged an unexpected fee of $25 for the repair. This is unacceptable.\nDana"))

	apology := h.waitFor("dana@example.com", "[apology]")
	m, body := parsed(t, apology)
	if m.Header.Get("In-Reply-To") != "<c1@example.com>" || !strings.Contains(body, "Hi Dana") {
		t.Errorf("apology not threaded or not personal: In-Reply-To %q\n%s", m.Header.Get("In-Reply-To"), body)
	}
	alert := h.waitFor("owner@example.test", "unexpected fee")
	if _, body := parsed(t, alert); !strings.Contains(body, "followupd resolve dana@example.com") {
		t.Errorf("owner alert does not say how to resolve:\n%s", body)
	}
	// Nobody answered: the reminder comes.
	h.waitFor("owner@example.test", "[owner-reminder]")

	k, n, err := Resolve(context.Background(), r.d.Store(), h.cfg, "dana@example.com", time.Now())
	if err != nil || n != 1 || k.Open() {
		t.Fatalf("resolve = %+v, %d planned, %v", k, n, err)
	}
	h.waitFor("dana@example.com", "[satisfaction-check]")
	if n := h.sentTo("dana@example.com"); n != 2 {
		t.Errorf("Dana got %d emails, want 2 (apology, satisfaction check):\n%s", n, h.summary())
	}
}

func TestOwnerBccReplyMeansNoReminder(t *testing.T) {
	h := flowHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Dana Reyes <dana@example.com>", "Broken bell", "c1@example.com", "The bell is broken. Disappointed."))
	h.waitFor("owner@example.test", "Broken bell")
	// The owner answers Dana and Bccs the shop address.
	h.append(stamped([]byte(strings.ReplaceAll(`From: Pam <owner@example.test>
To: Dana Reyes <dana@example.com>
Bcc: shop@example.test
Subject: Re: Broken bell
Message-ID: <o1@example.test>
In-Reply-To: <c1@example.com>
Content-Type: text/plain; charset=utf-8

Dana, so sorry. A new bell is on its way today.
Pam
`, "\n", "\r\n"))))
	h.waitStats(r.d, "the reminder skipped", func(st store.Stats) bool { return st.Followups[core.Skipped] == 1 })
	if n := h.sentTo("owner@example.test"); n != 1 {
		t.Errorf("the owner got %d emails, want only the alert:\n%s", n, h.summary())
	}
	c, _ := r.d.Store().Customer(context.Background(), "dana@example.com")
	if c.LastOwner.IsZero() {
		t.Error("the Bcc'd reply was not recorded as the owner answering")
	}
}

func TestNoFeedbackRequestWhileComplaintIsOpen(t *testing.T) {
	h := flowHarness(t, false)
	// The new contact's feedback request does not stop on a reply: what
	// holds it back can only be the open complaint.
	h.cfg = h.config(strings.Replace(complaintSequences, `name = "new-contact"
on = "inquiry"`, `name = "new-contact"
on = "inquiry"
stop_on_reply = false`, 1))
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Eli <eli@example.com>", "Do you fix e-bikes?", "i1@example.com", "Do you repair e-bikes?"))
	h.waitFor("eli@example.com", "[thank-you]")
	h.append(customerMail("Eli <eli@example.com>", "Really disappointed", "i2@example.com", "Nobody called me back. Really disappointed."))
	h.waitFor("eli@example.com", "[apology]")
	// The feedback request (due 3s after the inquiry) fell due and was
	// made to wait for the open case: the positive sign that it was gated.
	var held *core.Followup
	for deadline := time.Now().Add(30 * time.Second); held == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the feedback request was never made to wait for the open complaint")
		}
		q, err := r.d.Store().Queue(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range q {
			if f.Template == "feedback-request" && strings.Contains(f.LastError, "open complaint") {
				held = f
			}
		}
	}
	for _, c := range h.smtp.Messages() {
		if c.To[0] == "eli@example.com" && strings.Contains(string(c.Data), "[feedback-request]") {
			t.Fatalf("a feedback request went out while the complaint was open")
		}
	}
	if held.State != core.Pending {
		t.Errorf("the feedback request is %s, want pending until the case is resolved", held.State)
	}
}

func TestOptedOutCustomerGetsNothing(t *testing.T) {
	h := flowHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Finn <finn@example.com>", "Price of the red bike?", "p1@example.com", "How much is the red bike?"))
	h.waitFor("finn@example.com", "[thank-you]")
	h.append(customerMail("Finn <finn@example.com>", "Re: Price of the red bike?", "p2@example.com", "Please unsubscribe me from these emails."))
	h.waitStats(r.d, "the opt-out", func(st store.Stats) bool { return st.Followups[core.Cancelled] >= 1 })
	h.append(customerMail("Finn <finn@example.com>", "One more question?", "p3@example.com", "Do you sell helmets?"))
	h.waitStats(r.d, "his third message decided", func(st store.Stats) bool { return st.Messages == 3 })
	h.settle()
	if n := h.sentTo("finn@example.com"); n != 1 {
		t.Errorf("Finn got %d emails, want only the first thank-you:\n%s", n, h.summary())
	}
	c, _ := r.d.Store().Customer(context.Background(), "finn@example.com")
	if c.OptedOut.IsZero() {
		t.Error("Finn is not recorded as opted out")
	}
}

func TestAnswerToTheOwnersReplyIsAConversationNotANewContact(t *testing.T) {
	h := flowHarness(t, false) // min_gap 0: only the conversation rule can hold it back
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Do you fix e-bikes?", "a1@example.com", "Do you repair e-bikes?"))
	h.waitFor("ana@example.com", "[thank-you]")
	h.append(stamped([]byte(strings.ReplaceAll(`From: Pam <owner@example.test>
To: Ana <ana@example.com>
Bcc: shop@example.test
Subject: Re: Do you fix e-bikes?
Message-ID: <o1@example.test>
In-Reply-To: <a1@example.com>
Content-Type: text/plain; charset=utf-8

Yes, bring it on Tuesday.
`, "\n", "\r\n"))))
	h.waitStats(r.d, "the owner's reply", func(st store.Stats) bool { return st.Messages == 2 })
	reply := strings.Replace(string(customerMail("Ana <ana@example.com>", "Re: Do you fix e-bikes?", "a2@example.com",
		"Great, do you open at 9?")), "MIME-Version", "In-Reply-To: <o1@example.test>\r\nMIME-Version", 1)
	h.append([]byte(reply))
	h.waitStats(r.d, "Ana's answer", func(st store.Stats) bool { return st.Messages == 3 })
	h.settle()
	if n := h.sentTo("ana@example.com"); n != 1 {
		t.Errorf("Ana got %d automatic emails, want only the first thank-you:\n%s", n, h.summary())
	}
}
