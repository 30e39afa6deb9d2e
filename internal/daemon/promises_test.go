package daemon

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/clock"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/internal/testserver"
)

func ownerForward(msgID, subject, note, inner string) []byte {
	return stamped(crlf("From: Pam <owner@example.test>\nTo: shop@example.test\nSubject: " + subject +
		"\nMessage-ID: <" + msgID + ">\nContent-Type: text/plain; charset=utf-8\n\n" + note + "\n\n" + inner))
}

const gilForward = `---------- Forwarded message ---------
From: Gil Moreau <gil@example.fr>
Date: Mon, 2 Mar 2026 at 09:12
Subject: Group rental?
To: Pam <owner@example.test>

Could we rent 12 bikes on Saturday?`

func TestUnattributedForwardIsKeptForReviewAndShownInStatusAndDigest(t *testing.T) {
	h := newHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	h.append(ownerForward("u1@example.test", "Fwd: Call me back", "From the shop phone",
		"---------- Forwarded message ---------\nFrom: Someone\nDate: Mon, 2 Mar 2026\nSubject: Call me back\n\nPlease call me."))
	h.waitStats(r.d, "the forward kept for review", func(st store.Stats) bool { return st.Review == 1 })
	rep, _ := Status(context.Background(), r.d.Store())
	if rep.Review != 1 || rep.Customers != 0 {
		t.Errorf("status = %+v, want review 1 and no customer (never the owner)", rep)
	}
	text, news, err := DigestText(context.Background(), r.d.Store(), h.cfg, time.Now())
	if err != nil || !news || !strings.Contains(text, "Call me back") {
		t.Errorf("digest (news %v, err %v) does not list the forward:\n%s", news, err, text)
	}
	if n := len(h.settle()); n != 0 {
		t.Errorf("%d emails sent for an unattributed forward", n)
	}
}

func TestVIPAndIgnoreTagsAct(t *testing.T) {
	h := newHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	h.append(ownerForward("v1@example.test", "Fwd: Group rental? #vip", "Big club", gilForward))
	h.waitSent(1)
	c, err := r.d.Store().Customer(context.Background(), "gil@example.fr")
	if err != nil || !c.VIP {
		t.Errorf("#vip: customer = %+v, %v", c, err)
	}
	h.append(ownerForward("i1@example.test", "Fwd: Group rental? #ignore", "never mind",
		strings.Replace(strings.Replace(gilForward, "gil@example.fr", "ida@example.fr", 1), "Gil Moreau", "Ida", 1)))
	h.waitStats(r.d, "the ignored forward", func(st store.Stats) bool { return st.Messages == 2 })
	if n := len(h.settle()); n != 1 {
		t.Errorf("%d emails sent, want only Gil's thank-you (#ignore sends nothing)", n)
	}
}

func TestBccReplyTaggedResolvedClosesTheCase(t *testing.T) {
	h := flowHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Dana <dana@example.com>", "Broken lock", "d1@example.com", "The lock is broken, unacceptable."))
	h.waitFor("owner@example.test", "[owner-alert]")
	h.append(stamped(crlf(`From: Pam <owner@example.test>
To: Dana <dana@example.com>
Bcc: shop@example.test
Subject: Re: Broken lock
Message-ID: <o2@example.test>
In-Reply-To: <d1@example.com>
Content-Type: text/plain; charset=utf-8

A new lock is in the post. #resolved
`)))
	h.waitFor("dana@example.com", "[satisfaction-check]")
	if st := h.stats(r.d); st.OpenCases != 0 {
		t.Errorf("open cases = %d after the Bcc'd #resolved reply", st.OpenCases)
	}
}

func TestLowRatingOpensACase(t *testing.T) {
	h := flowHarness(t, false)
	h.cfg = h.config(`
[[sequence]]
name = "after-purchase"
on = "purchase"
steps = [ { after = "0s", template = "feedback-request" } ]

[[sequence]]
name = "complaint"
on = "complaint"
steps = [ { after = "0s", template = "owner-alert", to = "owner" } ]
`)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Max <max@example.com>", "My order", "p1@example.com", "I just bought the red bike, order number 77."))
	req := h.waitFor("max@example.com", "[feedback-request]")
	m, _ := parsed(t, req)
	reply := strings.Replace(string(customerMail("Max <max@example.com>", "Re: My order", "p2@example.com", "1/5, the chain fell off twice.")),
		"MIME-Version", "In-Reply-To: "+m.Header.Get("Message-Id")+"\r\nMIME-Version", 1)
	h.append([]byte(reply))
	h.waitFor("owner@example.test", "[owner-alert]")
	tl, err := r.d.Store().CustomerTimeline(context.Background(), "max@example.com")
	if err != nil || len(tl.Feedback) != 1 || tl.Feedback[0].Rating != 1 || len(tl.Cases) != 1 || !tl.Cases[0].Open() {
		t.Errorf("timeline = %+v, %v; want the 1-star feedback and an open case", tl, err)
	}
}

func TestListUnsubscribeMailtoIsUnderstoodFromAnyAddress(t *testing.T) {
	h := newHarness(t, false)
	h.cfg = h.config(`
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [ { after = "0s", template = "thank-you" }, { after = "1h", template = "check-in" } ]
`)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Question?", "a1@example.com", "Do you have bells?"))
	msgs := h.waitSent(1)
	m, _ := parsed(t, msgs[0])
	lu := m.Header.Get("List-Unsubscribe")
	start, end := strings.Index(lu, "<mailto:"), strings.Index(lu, ">")
	if start < 0 || end < start {
		t.Fatalf("List-Unsubscribe = %q, want a mailto:", lu)
	}
	u, err := url.Parse(lu[start+1 : end])
	if err != nil || u.Opaque != "shop@example.test" {
		t.Fatalf("mailto %q goes to %q, want the shop address (%v)", lu, u.Opaque, err)
	}
	// A mail client sends it, here from another address of hers.
	h.append(customerMail("Ana <ana.private@example.org>", u.Query().Get("subject"), "unsub1@example.org", ""))
	h.waitStats(r.d, "the check-in cancelled", func(st store.Stats) bool { return st.Followups[core.Cancelled] == 1 })
	c, _ := r.d.Store().Customer(context.Background(), "ana@example.com")
	if c.OptedOut.IsZero() {
		t.Error("the List-Unsubscribe request did not opt ana@example.com out")
	}
}

func TestTemporaryFailuresGiveUpAfterMaxAttempts(t *testing.T) {
	h := newHarness(t, false)
	fake := clock.NewFake(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
	h.clock = fake
	h.cfg = h.config(testSequences)
	h.cfg.SMTP.MaxAttempts = 3
	h.smtp.SetFault(func(int, []string) testserver.Fault { return testserver.FaultTemp })
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Question?", "a1@example.com", "Hello?"))
	advanceUntil(t, fake, 5*time.Minute, func() bool { return h.stats(r.d).Followups[core.Failed] == 1 })
	fs, _ := r.d.Store().FollowupsByState(context.Background(), core.Failed, 5)
	if len(fs) != 1 || fs[0].Attempts != 3 || !strings.Contains(fs[0].LastError, "gave up after 3 attempts") {
		t.Errorf("failed follow-up = %+v", fs)
	}
}
