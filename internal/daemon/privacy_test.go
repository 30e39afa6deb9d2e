package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/clock"
	"github.com/followupd/followupd/internal/core"
)

// TestRetentionDeletesOldCustomerWordsAndClosedCases: with [store]
// retention, the customers' words and resolved cases older than it are
// deleted once a day; who wrote when, and what was sent, stay.
func TestRetentionDeletesOldCustomerWordsAndClosedCases(t *testing.T) {
	h := newHarness(t, false)
	fake := clock.NewFake(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
	h.clock = fake
	h.extraBusiness = "min_gap = \"0s\"\n"
	h.extraConfig = "[digest]\ntime = \"\"\n"
	h.cfg = h.config(`
[[sequence]]
name = "complaint"
on = "complaint"
steps = [ { after = "0s", template = "apology" } ]
`)
	h.cfg.Store.Retention.Duration = 2 * 24 * time.Hour
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Rita Holm <rita@example.com>", "Broken lamp", "rita-1@example.com", "The lamp arrived broken, the shade is cracked."))
	h.waitFor("rita@example.com", "")
	ctx := context.Background()
	if _, _, err := Resolve(ctx, r.d.Store(), h.cfg, "rita@example.com", fake.Now()); err != nil {
		t.Fatal(err)
	}
	tl, err := r.d.Store().CustomerTimeline(ctx, "rita@example.com")
	if err != nil || len(tl.Messages) != 1 || tl.Messages[0].Excerpt == "" || len(tl.Cases) != 1 {
		t.Fatalf("before: %+v, %v", tl, err)
	}
	// Three days on, the daily run has deleted her words and the case.
	advanceUntil(t, fake, time.Hour, func() bool {
		tl, err := r.d.Store().CustomerTimeline(ctx, "rita@example.com")
		return err == nil && len(tl.Cases) == 0 && tl.Messages[0].Excerpt == "" && fake.Now().After(time.Date(2026, 3, 4, 16, 0, 0, 0, time.UTC))
	})
	tl, err = r.d.Store().CustomerTimeline(ctx, "rita@example.com")
	if err != nil || len(tl.Messages) != 1 || tl.Messages[0].Subject != "Broken lamp" || len(tl.Followups) != 1 || tl.Followups[0].State != core.Sent {
		t.Errorf("after: what was sent and when should stay: %+v, %v", tl, err)
	}
}
