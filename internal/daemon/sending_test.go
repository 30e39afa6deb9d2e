package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/clock"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/internal/testserver"
)

// advanceUntil moves a fake clock forward in steps until done holds,
// giving the daemon a moment after each step (bounded).
func advanceUntil(t *testing.T, fake *clock.Fake, step time.Duration, done func() bool) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if done() {
			return
		}
		fake.Advance(step)
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("condition not reached after 400 clock steps of %s", step)
}

func TestEveryThird451StillDeliversEachFollowUpExactlyOnce(t *testing.T) {
	const n = 200
	h := newHarness(t, false)
	fake := clock.NewFake(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
	h.clock = fake
	h.extraTrust = "new_recipients_per_hour = 0\n" // 200 first contacts at once: volume, not an attack
	h.cfg = h.config(`
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [ { after = "0s", template = "thank-you" } ]
`)
	h.smtp.SetFault(func(attempt int, _ []string) testserver.Fault {
		if attempt%3 == 0 {
			return testserver.FaultTemp
		}
		return testserver.FaultNone
	})
	r := h.start()
	r.waitConnected(t)
	for i := 0; i < n; i++ {
		h.append(customerMail(fmt.Sprintf("Customer %d <c%d@example.com>", i, i), "Question?", fmt.Sprintf("q%d@example.com", i), "Do you have it?"))
	}
	advanceUntil(t, fake, 3*time.Minute, func() bool { return len(h.smtp.Messages()) >= n })
	h.waitStats(r.d, "all sent", func(st store.Stats) bool { return st.Followups[core.Sent] == n })
	per := map[string]int{}
	ids := map[string]int{}
	for _, c := range h.smtp.Messages() {
		per[c.To[0]]++
		m, _ := parsed(t, c)
		ids[m.Header.Get("Message-Id")]++
	}
	if len(per) != n {
		t.Errorf("%d customers got mail, want %d", len(per), n)
	}
	for rcpt, k := range per {
		if k != 1 {
			t.Errorf("%s got %d thank-yous", rcpt, k)
		}
	}
	for id, k := range ids {
		if k != 1 {
			t.Errorf("Message-ID %s delivered %d times", id, k)
		}
	}
}

func TestRecipientRefusedWith550IsFailedAndGetsNothingMore(t *testing.T) {
	h := newHarness(t, false)
	h.smtp.RejectRcpt("gone@example.com", 550, "5.1.1 <gone@example.com>: Recipient address rejected: User unknown")
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Gone <gone@example.com>", "Question?", "g1@example.com", "Do you sell bells?"))
	h.waitStats(r.d, "the thank-you failed", func(st store.Stats) bool { return st.Followups[core.Failed] == 1 })
	fs, _ := r.d.Store().FollowupsByState(context.Background(), core.Failed, 10)
	if len(fs) != 1 || !strings.Contains(fs[0].LastError, "User unknown") {
		t.Fatalf("failed follow-up = %+v, want the server's reply recorded", fs)
	}
	c, _ := r.d.Store().Customer(context.Background(), "gone@example.com")
	if c.Bouncing.IsZero() {
		t.Error("the refused address is not marked as bouncing")
	}
	// They write again: nothing more is planned for them.
	h.append(customerMail("Gone <gone@example.com>", "Another question?", "g2@example.com", "And helmets?"))
	h.waitStats(r.d, "the second message", func(st store.Stats) bool { return st.Messages == 2 })
	st := h.stats(r.d)
	if st.Followups[core.Pending]+st.Followups[core.Sent] != 0 {
		t.Errorf("follow-ups planned or sent for a bouncing address: %+v", st.Followups)
	}
	if len(h.smtp.Messages()) != 0 {
		t.Errorf("%d messages reached the server", len(h.smtp.Messages()))
	}
}

func TestHostileNameCannotAddHeadersOrRecipients(t *testing.T) {
	h := newHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	for i, from := range []string{
		`=?utf-8?q?Bob=0D=0ABcc:_x@evil.test?= <bob1@example.com>`,
		`"Bob\r\nBcc: x@evil.test" <bob2@example.com>`,
		`=?utf-8?b?` + "Qm9iDQpCY2M6IHhAZXZpbC50ZXN0" + `?= <bob3@example.com>`,
	} {
		h.append(customerMail(from, "=?utf-8?q?Hi=0D=0ABcc:_y@evil.test?=", fmt.Sprintf("h%d@example.com", i), "Hello?"))
	}
	msgs := h.waitSent(3)
	for _, c := range msgs {
		if len(c.To) != 1 || !strings.HasPrefix(c.To[0], "bob") {
			t.Errorf("envelope recipients %v", c.To)
		}
		m, _ := parsed(t, c)
		for k := range m.Header {
			if strings.EqualFold(k, "Bcc") {
				t.Errorf("a Bcc header was injected:\n%s", c.Data)
			}
		}
		if strings.Contains(string(c.Data), "\r\nBcc:") {
			t.Errorf("a Bcc line reached the message:\n%s", c.Data)
		}
	}
}

func TestInterruptedSendsAreSettledNotRepeated(t *testing.T) {
	tests := []struct {
		name      string
		dot       bool // the final dot was about to be written
		inSent    bool // and the message reached the Sent folder
		wantState core.State
		wantSent  int // messages at the SMTP server after the restart
	}{
		{"before the end of DATA it is sent again", false, false, core.Sent, 1},
		{"after the dot and in Sent it counts as sent", true, true, core.Sent, 0},
		{"after the dot and not in Sent it is in doubt", true, false, core.Doubt, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, false)
			h.smtp.Stop() // the first run cannot send
			r := h.start()
			r.waitConnected(t)
			h.append(customerMail("Ana <ana@example.com>", "Question?", "a1@example.com", "Hello?"))
			h.waitStats(r.d, "the thank-you planned", func(st store.Stats) bool { return st.Messages == 1 })
			r.stop()
			// Leave it as a crash would: claimed, maybe past the dot.
			st, err := store.Open(context.Background(), h.cfg.Store.Path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := st.ClaimReady(context.Background(), time.Now().Add(time.Hour), func() string { return "fu.crash@example.test" })
			if err != nil || f == nil {
				t.Fatalf("claim: %v %v", f, err)
			}
			if tt.dot {
				st.MarkDot(context.Background(), f.ID, time.Now())
			}
			st.Close()
			if tt.inSent {
				if _, err := h.imap.(*testserver.IMAP).Append("Sent", []byte("Message-ID: <"+f.SMTPMessageID+">\r\nFrom: shop@example.test\r\nTo: ana@example.com\r\nSubject: Re: Question?\r\n\r\nHi Ana\r\n")); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.smtp.Restart(); err != nil {
				t.Fatal(err)
			}
			r = h.start()
			h.waitStats(r.d, "the interrupted send settled", func(st store.Stats) bool { return st.Followups[tt.wantState] == 1 })
			if got := len(h.settle()); got != tt.wantSent {
				t.Errorf("%d messages sent after the restart, want %d", got, tt.wantSent)
			}
		})
	}
}

func TestSentFollowUpsAreSavedInTheSentFolder(t *testing.T) {
	h := newHarness(t, true) // Dovecot: a real \Sent folder
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Question?", "a1@example.com", "Hello?"))
	msgs := h.waitSent(1)
	m, _ := parsed(t, msgs[0])
	id := strings.Trim(m.Header.Get("Message-Id"), "<>")
	h.waitStats(r.d, "sent", func(st store.Stats) bool { return st.Followups[core.Sent] == 1 })
	// It is recorded as sent first, then copied: wait (bounded) for the copy.
	var found bool
	var err error
	for deadline := time.Now().Add(30 * time.Second); !found && time.Now().Before(deadline); {
		if found, err = r.d.outbox.Has(context.Background(), id); !found {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err != nil || !found {
		t.Fatalf("the sent follow-up %s is not in the Sent folder: %v %v", id, found, err)
	}
}

func TestFollowUpOutsideSendHoursWaitsForTheWindow(t *testing.T) {
	h := newHarness(t, false)
	chicago, _ := time.LoadLocation("America/Chicago")
	fake := clock.NewFake(time.Date(2026, 3, 7, 3, 0, 0, 0, chicago)) // a Saturday, 03:00
	h.clock = fake
	h.extraBusiness = "send_hours = \"Mon-Fri 09:00-17:00\"\n"
	h.cfg = h.config(testSequences)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Question?", "a1@example.com", "Hello?"))
	h.waitStats(r.d, "the thank-you held", func(st store.Stats) bool { return st.Messages == 1 })
	fake.Advance(time.Second) // let the dispatcher look at it
	q := waitQueueNote(t, r.d, "send_hours")
	if want := time.Date(2026, 3, 9, 9, 0, 0, 0, chicago); !q.NotBefore.Equal(want) {
		t.Errorf("held until %s, want Monday 09:00 (%s)", q.NotBefore.In(chicago), want)
	}
	if n := len(h.smtp.Messages()); n != 0 {
		t.Fatalf("%d sent on Saturday night", n)
	}
	fake.Set(time.Date(2026, 3, 9, 9, 0, 1, 0, chicago))
	h.waitSent(1)
}

// waitQueueNote waits (bounded) for a pending follow-up whose note says why it waits.
func waitQueueNote(t *testing.T, d *Daemon, contains string) *core.Followup {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		q, _ := d.Store().Queue(context.Background(), 10)
		for _, f := range q {
			if strings.Contains(f.LastError, contains) {
				return f
			}
		}
	}
	t.Fatalf("no follow-up waits for %q", contains)
	return nil
}

func TestMinGapHoldsTheSecondEmailEvenWhenBothAreDueTogether(t *testing.T) {
	h := newHarness(t, false)
	h.smtp.Stop() // both thank-yous become due while nothing can be sent
	h.cfg = h.config(`
[[sequence]]
name = "new-contact"
on = "inquiry"
stop_on_reply = false
steps = [ { after = "0s", template = "thank-you" } ]
`)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Question?", "a1@example.com", "Do you have bells?"))
	h.append(customerMail("Ana <ana@example.com>", "Another question?", "a2@example.com", "And helmets?"))
	h.waitStats(r.d, "two thank-yous planned", func(st store.Stats) bool { return st.Messages == 2 })
	r.stop()
	// Back up: both are due at once and claimed in one batch.
	if err := h.smtp.Restart(); err != nil {
		t.Fatal(err)
	}
	st, _ := store.Open(context.Background(), h.cfg.Store.Path)
	fs, _ := st.Queue(context.Background(), 10)
	for _, f := range fs {
		st.Reschedule(context.Background(), f.ID, time.Now().Add(-time.Minute), "test: due now")
	}
	st.Close()
	r = h.start()
	h.waitSent(1)
	waitQueueNote(t, r.d, "min_gap")
	if n := len(h.settle()); n != 1 {
		t.Errorf("%d emails to one customer inside min_gap, want 1", n)
	}
}
