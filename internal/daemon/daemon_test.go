package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/clock"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
)

func TestCustomerEmailGetsOneThreadedThankYou(t *testing.T) {
	for _, server := range []string{"in-process", "dovecot"} {
		t.Run(server, func(t *testing.T) {
			h := newHarness(t, server == "dovecot")
			r := h.start()
			r.waitConnected(t)

			h.append(customerMail(`"Ana López" <Ana@Example.com>`, "Blue cruiser in medium?", "q1@mail.example.com",
				"Hi, do you have the blue cruiser in a medium frame?\n\nAna"))
			msgs := h.waitSent(1)
			hdr, body := parsed(t, msgs[0])

			if len(msgs[0].To) != 1 || !strings.EqualFold(msgs[0].To[0], "ana@example.com") {
				t.Errorf("envelope recipients = %v, want the customer", msgs[0].To)
			}
			if got := hdr.Header.Get("In-Reply-To"); got != "<q1@mail.example.com>" {
				t.Errorf("In-Reply-To = %q, want the customer's Message-ID", got)
			}
			if got := hdr.Header.Get("References"); !strings.Contains(got, "<q1@mail.example.com>") {
				t.Errorf("References = %q, want it to name the customer's message", got)
			}
			if got := hdr.Header.Get("Subject"); got != "Re: Blue cruiser in medium?" {
				t.Errorf("Subject = %q", got)
			}
			if got := hdr.Header.Get("Auto-Submitted"); got != "auto-generated" {
				t.Errorf("Auto-Submitted = %q", got)
			}
			if got := hdr.Header.Get("Message-Id"); !strings.HasSuffix(got, "@example.test>") {
				t.Errorf("Message-ID = %q, want one on the sender's domain", got)
			}
			if from, _ := hdr.Header.AddressList("From"); len(from) != 1 || from[0].Address != "shop@example.test" || from[0].Name != "Pam at Acme Bikes" {
				t.Errorf("From = %v", from)
			}
			if !strings.HasPrefix(body, "Hi Ana,\n") {
				t.Errorf("the thank-you does not greet Ana by first name:\n%s", body)
			}

			// Exactly one: nothing more arrives, and the store agrees.
			if n := len(h.settle()); n != 1 {
				t.Errorf("%d messages at the SMTP server, want exactly 1", n)
			}
			h.waitStats(r.d, "1 customer, 1 message, 1 sent (thank-you), 1 pending (check-in)", func(st store.Stats) bool {
				return st.Customers == 1 && st.Messages == 1 && st.Followups[core.Sent] == 1 && st.Followups[core.Pending] == 1
			})
		})
	}
}

func TestMailAlreadyThereOnFirstStartIsHistory(t *testing.T) {
	h := newHarness(t, false)
	h.append(customerMail("Old Customer <old@example.com>", "Last year's order", "old1@example.com", "Thanks!"))
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("New Customer <new@example.com>", "Hello", "new1@example.com", "Hi there"))
	msgs := h.waitSent(1)
	if n := len(h.settle()); n != 1 {
		t.Fatalf("%d messages sent, want 1 (only to the new customer)", n)
	}
	if msgs[0].To[0] != "new@example.com" {
		t.Errorf("sent to %v, want new@example.com", msgs[0].To)
	}
	if st := h.stats(r.d); st.Customers != 2 || st.Messages != 2 {
		t.Errorf("stats = %+v, want both customers known and both messages recorded", st)
	}
}

func TestRestartSendsNothingAgainAndIngestsNothingTwice(t *testing.T) {
	for _, server := range []string{"in-process", "dovecot"} {
		t.Run(server, func(t *testing.T) {
			h := newHarness(t, server == "dovecot")
			r := h.start()
			r.waitConnected(t)
			h.append(customerMail("Ana <ana@example.com>", "Question", "a1@example.com", "Hello"))
			h.waitSent(1)
			r.stop()

			r = h.start()
			r.waitConnected(t)
			h.append(customerMail("Bob <bob@example.com>", "Another", "b1@example.com", "Hello"))
			msgs := h.waitSent(2)
			if n := len(h.settle()); n != 2 {
				t.Fatalf("%d messages sent after restart, want 2 (one each)", n)
			}
			if msgs[1].To[0] != "bob@example.com" {
				t.Errorf("second message went to %v, want bob", msgs[1].To)
			}
			if st := h.stats(r.d); st.Messages != 2 || st.Customers != 2 {
				t.Errorf("stats = %+v, want 2 messages and 2 customers", st)
			}
		})
	}
}

func TestSameMessageIDTwiceIsAnsweredOnce(t *testing.T) {
	h := newHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	raw := customerMail("Ana <ana@example.com>", "Question", "same@example.com", "Hello")
	h.append(raw)
	h.append(raw) // e.g. copied into the inbox twice
	h.waitSent(1)
	if n := len(h.settle()); n != 1 {
		t.Fatalf("%d messages sent, want 1", n)
	}
	if st := h.stats(r.d); st.Messages != 1 {
		t.Errorf("messages recorded = %d, want 1", st.Messages)
	}
}

func TestIMAPServerRestartMidIdleLosesNothing(t *testing.T) {
	for _, server := range []string{"in-process", "dovecot"} {
		t.Run(server, func(t *testing.T) {
			h := newHarness(t, server == "dovecot")
			r := h.start()
			r.waitConnected(t)
			switch s := h.imap.(type) {
			case interface{ Stop() error }: // Dovecot
				if err := s.Stop(); err != nil {
					t.Fatal(err)
				}
				// Dovecot is down: deliver straight into its maildir after restart instead.
				if err := s.(interface{ Restart() error }).Restart(); err != nil {
					t.Fatal(err)
				}
				h.append(customerMail("Cy <cy@example.com>", "While you were away", "cy1@example.com", "Hello?"))
			case interface {
				Stop()
				Restart() error
			}:
				s.Stop()
				h.append(customerMail("Cy <cy@example.com>", "While you were away", "cy1@example.com", "Hello?"))
				if err := s.Restart(); err != nil {
					t.Fatal(err)
				}
			}
			msgs := h.waitSent(1)
			if msgs[0].To[0] != "cy@example.com" {
				t.Errorf("sent to %v", msgs[0].To)
			}
			if n := len(h.settle()); n != 1 {
				t.Errorf("%d messages sent, want 1", n)
			}
		})
	}
}

func TestCheckInFollowsThreeDaysLater(t *testing.T) {
	h := newHarness(t, false)
	fake := clock.NewFake(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
	h.clock = fake
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Question", "a1@example.com", "Hello"))
	h.waitSent(1)
	if n := len(h.settle()); n != 1 {
		t.Fatalf("%d sent before any time passed, want only the thank-you", n)
	}
	fake.Advance(3*24*time.Hour + time.Minute)
	msgs := h.waitSent(2)
	_, body := parsed(t, msgs[1])
	if !strings.Contains(body, "check in") {
		t.Errorf("second message is not the check-in:\n%s", body)
	}
	h.waitStats(r.d, "both follow-ups recorded as sent", func(st store.Stats) bool {
		return st.Followups[core.Sent] == 2 && st.Followups[core.Pending] == 0
	})
}

func TestPollingWithoutIdleStillAnswers(t *testing.T) {
	h := newHarness(t, false)
	h.cfg = h.config(testSequences)
	no := false
	h.cfg.IMAP.Idle = &no
	h.cfg.IMAP.PollInterval.Duration = 500 * time.Millisecond
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Question?", "p1@example.com", "Hello?"))
	msgs := h.waitSent(1)
	if msgs[0].To[0] != "ana@example.com" {
		t.Errorf("sent to %v", msgs[0].To)
	}
}

func TestLastSyncMovesOnWithoutNewMail(t *testing.T) {
	h := newHarness(t, false)
	t1 := time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)
	h.clock = clock.NewFake(t1)
	r := h.start()
	r.waitConnected(t)
	h.waitStats(r.d, "the first sync", func(st store.Stats) bool { return st.LastSync.Equal(t1) })
	r.stop()
	// A day later the daemon starts again; no mail has come.
	t2 := t1.Add(24 * time.Hour)
	h.clock = clock.NewFake(t2)
	r = h.start()
	r.waitConnected(t)
	h.waitStats(r.d, "the sync time of the new run", func(st store.Stats) bool { return st.LastSync.Equal(t2) })
}
