// Package backoff is the reconnect delay: exponential from Min to Max, each
// wait jittered to 0.5–1.5× so that many clients do not retry in step,
// reset after a success, and cut short by the context.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is not safe for concurrent use; each loop keeps its own.
type Backoff struct {
	Min, Max time.Duration
	n        int
}

// Next returns the next delay and counts an attempt.
func (b *Backoff) Next() time.Duration {
	d := b.Min
	for i := 0; i < b.n && d < b.Max; i++ {
		d *= 2
	}
	if d > b.Max {
		d = b.Max
	}
	b.n++
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// Reset starts again from Min after a success.
func (b *Backoff) Reset() { b.n = 0 }

// Wait sleeps for the next delay; it returns false if ctx ended first.
func (b *Backoff) Wait(ctx context.Context) bool {
	t := time.NewTimer(b.Next())
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
