package main

import (
	"context"
	"fmt"
	"time"

	"github.com/followupd/followupd/internal/store"
)

// quantiles summarise the timings of one query.
type quantiles struct{ p50, p99, max time.Duration }

func summarise(ds []time.Duration) quantiles {
	return quantiles{quantile(ds, 0.5), quantile(ds, 0.99), quantile(ds, 1)}
}

// dueTimes are the dispatcher's scheduled queries timed on one store.
type dueTimes struct {
	rows      int       // pending follow-ups in the table
	next      quantiles // NextReady
	claimNone quantiles // ClaimReady when nothing is ready
	claimOne  quantiles // ClaimReady that claims a ready follow-up
}

// timeDue times NextReady and ClaimReady on st, which holds rows pending
// follow-ups none of which is ready: k runs of each with nothing ready,
// then k claims of k follow-ups planned ready for it (each marked sent
// after its claim, so the store is left as it was found but for them).
func timeDue(ctx context.Context, st *store.Store, rows, k int) (dueTimes, error) {
	dt := dueTimes{rows: rows}
	newID := func() string { return fmt.Sprintf("bench.%d@example.test", time.Now().UnixNano()) }
	var next, none, one []time.Duration
	// One untimed round first: the first query on a connection also
	// reads the schema.
	if _, _, err := st.NextReady(ctx); err != nil {
		return dt, err
	}
	for i := 0; i < k; i++ {
		t := time.Now()
		if _, _, err := st.NextReady(ctx); err != nil {
			return dt, err
		}
		next = append(next, time.Since(t))
		t = time.Now()
		f, err := st.ClaimReady(ctx, time.Now(), newID)
		if err != nil {
			return dt, err
		}
		if f != nil {
			return dt, fmt.Errorf("due query: follow-up %d is ready, none should be", f.ID)
		}
		none = append(none, time.Since(t))
	}
	if err := seedPending(ctx, st, fmt.Sprintf("due%d-", rows), k, time.Now().Add(-time.Minute)); err != nil {
		return dt, err
	}
	for i := 0; i < k; i++ {
		t := time.Now()
		f, err := st.ClaimReady(ctx, time.Now(), newID)
		if err != nil {
			return dt, err
		}
		one = append(one, time.Since(t))
		if f == nil {
			return dt, fmt.Errorf("due query: claim %d found nothing ready", i)
		}
		if err := st.MarkSent(ctx, f.ID, time.Now(), ""); err != nil {
			return dt, err
		}
	}
	dt.next, dt.claimNone, dt.claimOne = summarise(next), summarise(none), summarise(one)
	return dt, nil
}
