package daemon

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/internal/testserver"
)

const thankYouOnly = `
[[sequence]]
name = "new-contact"
on = "inquiry"
stop_on_reply = false
steps = [ { after = "0s", template = "thank-you" } ]
`

// queueInquiries has the daemon record one inquiry from each of n
// customers while the SMTP server is down, then stops it with all n
// thank-yous due at once, for the next start to send.
func queueInquiries(t *testing.T, h *harness, n int) {
	t.Helper()
	h.smtp.Stop()
	r := h.start()
	r.waitConnected(t)
	for i := range n {
		h.append(customerMail(fmt.Sprintf("Customer %d <c%02d@example.com>", i, i), "Question?", fmt.Sprintf("q%02d@example.com", i), "Hello?"))
	}
	h.waitStats(r.d, "every inquiry recorded", func(st store.Stats) bool { return st.Messages == n })
	r.stop()
	if err := h.smtp.Restart(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), h.cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs, _ := st.Queue(context.Background(), 100)
	for _, f := range fs {
		st.Reschedule(context.Background(), f.ID, time.Now().Add(-time.Minute), "test: due now")
	}
	if len(fs) != n {
		t.Fatalf("%d follow-ups queued, want %d", len(fs), n)
	}
}

func TestSeveralConnectionsSendEachFollowUpOnce(t *testing.T) {
	h := newHarness(t, false)
	h.extraBusiness = "min_gap = \"0s\"\n"
	h.cfg = h.config(thankYouOnly)
	h.cfg.SMTP.Connections = 4
	queueInquiries(t, h, 24)
	r := h.start()
	msgs := h.waitSent(24)
	got := map[string]int{}
	for _, m := range msgs {
		got[m.To[0]]++
	}
	for i := range 24 {
		if n := got[fmt.Sprintf("c%02d@example.com", i)]; n != 1 {
			t.Errorf("customer %d got %d thank-yous, want 1", i, n)
		}
	}
	h.waitStats(r.d, "all recorded as sent", func(st store.Stats) bool { return st.Followups[core.Sent] == 24 })
	if n := h.smtp.Connections(); n > 4 {
		t.Errorf("the daemon opened %d SMTP connections, more than smtp.connections = 4", n)
	}
	if n := len(h.settle()); n != 24 {
		t.Errorf("%d messages sent, want 24", n)
	}
}

func TestDailyCapHoldsAcrossConnections(t *testing.T) {
	h := newHarness(t, false)
	h.extraBusiness = "min_gap = \"0s\"\ndaily_cap = 5\n"
	h.cfg = h.config(thankYouOnly)
	h.cfg.SMTP.Connections = 4
	queueInquiries(t, h, 12)
	r := h.start()
	h.waitSent(5)
	waitQueueNote(t, r.d, "daily_cap")
	if n := len(h.settle()); n != 5 {
		t.Errorf("%d sent in one day with daily_cap = 5 over 4 connections", n)
	}
	st := h.stats(r.d)
	if st.Followups[core.Sent] != 5 || st.Followups[core.Pending] != 7 {
		t.Errorf("sent %d, pending %d; want 5 sent and 7 waiting for tomorrow", st.Followups[core.Sent], st.Followups[core.Pending])
	}
	// Each went to a different customer.
	seen := map[string]bool{}
	for _, m := range h.smtp.Messages() {
		a, err := mail.ParseAddress(m.To[0])
		if err != nil || seen[strings.ToLower(a.Address)] {
			t.Errorf("recipient %q twice or unreadable (%v)", m.To[0], err)
		}
		seen[strings.ToLower(a.Address)] = true
	}
}

func TestALostConnectionInABatchLeavesOneInDoubtAndSendsTheRest(t *testing.T) {
	h := newHarness(t, false)
	h.extraBusiness = "min_gap = \"0s\"\n"
	h.cfg = h.config(thankYouOnly)
	h.cfg.SMTP.Connections = 1 // one batch of six on one connection
	queueInquiries(t, h, 6)
	h.smtp.SetFault(func(n int, _ []string) testserver.Fault {
		if n == 3 {
			return testserver.FaultDropAfterDot // the server has it; followupd cannot know
		}
		return testserver.FaultNone
	})
	r := h.start()
	h.waitSent(6)
	h.waitStats(r.d, "five sent and one in doubt", func(st store.Stats) bool {
		return st.Followups[core.Sent] == 5 && st.Followups[core.Doubt] == 1
	})
	got := map[string]int{}
	for _, m := range h.settle() {
		got[m.To[0]]++
	}
	for i := range 6 {
		if n := got[fmt.Sprintf("c%02d@example.com", i)]; n != 1 {
			t.Errorf("customer %d got %d thank-yous, want exactly 1", i, n)
		}
	}
}
