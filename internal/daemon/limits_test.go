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
)

// TestALimitHoldsTheFloodTellsTheOwnerOnceAndLosesNothing: complaints from
// addresses the shop never wrote to, beyond new_recipients_per_hour, are
// held (their apologies) and, beyond owner_alerts_per_hour, rolled up
// (their owner alerts); one surge alert names them; the owner releases one
// and the rest expire after a day, each recorded.
func TestALimitHoldsTheFloodTellsTheOwnerOnceAndLosesNothing(t *testing.T) {
	h := newHarness(t, false)
	fake := clock.NewFake(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
	h.clock = fake
	h.extraBusiness = "min_gap = \"0s\"\n"
	h.extraTrust = "new_recipients_per_hour = 3\nowner_alerts_per_hour = 2\n"
	h.extraConfig = "[digest]\ntime = \"\"\n" // the day passes: no digest in the count
	h.cfg = h.config(`
[[sequence]]
name = "complaint"
on = "complaint"
steps = [ { after = "0s", template = "apology" }, { after = "0s", template = "owner-alert", to = "owner" } ]
`)
	r := h.start()
	r.waitConnected(t)
	const n = 6
	for i := range n {
		h.append(customerMail(fmt.Sprintf("Flood %d <f%d@example.com>", i, i), fmt.Sprintf("Broken order %d", i), fmt.Sprintf("f%d@example.com", i),
			"My order arrived broken and I want a refund."))
	}
	// Three apologies and two alerts go; three apologies are held, four
	// alerts rolled up.
	h.waitStats(r.d, "every follow-up decided", func(st store.Stats) bool {
		return st.Followups[core.Sent] == 5 && st.Followups[core.Held] == 3 && st.Followups[core.Skipped] == 4
	})
	if got := len(h.smtp.Messages()); got != 5 {
		t.Fatalf("%d mails went out, want 3 apologies and 2 alerts", got)
	}
	// One surge alert, SurgeDelay after the first hold, naming them.
	advanceUntil(t, fake, time.Minute, func() bool { return len(h.smtp.Messages()) >= 6 })
	alert := h.smtp.Messages()[5]
	_, text := parsed(t, alert)
	if alert.To[0] != "owner@example.test" || !strings.Contains(text, "Answers held for you: 3") || !strings.Contains(text, "Alerts gathered here instead of sent one by one: 4") ||
		!strings.Contains(text, "followupd approve f") {
		t.Fatalf("surge alert to %v:\n%s", alert.To, text)
	}
	// The owner lets one go: it is sent, past the limit.
	held, err := r.d.Store().HeldFollowups(context.Background(), 10)
	if err != nil || len(held) != 3 {
		t.Fatalf("held: %d, %v", len(held), err)
	}
	if _, err := ReleaseHeld(context.Background(), r.d.Store(), []int64{held[0].ID}, false, fake.Now()); err != nil {
		t.Fatal(err)
	}
	r.d.kickDispatcher()
	h.waitFor(held[0].Customer.Email, "")
	// A day later the others are recorded as expired, never sent; no
	// second surge alert came.
	advanceUntil(t, fake, 10*time.Minute, func() bool { return h.stats(r.d).Followups[core.Expired] == 2 })
	st := h.stats(r.d)
	if st.Followups[core.Held] != 0 || st.Followups[core.Sent] != 7 || len(h.smtp.Messages()) != 7 {
		t.Errorf("after a day: %v, %d mails", st.Followups, len(h.smtp.Messages()))
	}
}
