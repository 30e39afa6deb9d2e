package backoff

import (
	"context"
	"testing"
	"time"
)

func TestDelaysGrowToTheCapWithJitterAndReset(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 8 * time.Second}
	want := []time.Duration{1, 2, 4, 8, 8, 8}
	for i, w := range want {
		d := b.Next()
		lo, hi := w*time.Second/2, w*time.Second*3/2
		if d < lo || d > hi {
			t.Errorf("attempt %d: delay %v outside [%v, %v]", i+1, d, lo, hi)
		}
	}
	b.Reset()
	if d := b.Next(); d > 1500*time.Millisecond {
		t.Errorf("after Reset: delay %v, want about Min", d)
	}
}

func TestWaitEndsWithTheContext(t *testing.T) {
	b := Backoff{Min: time.Hour, Max: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if b.Wait(ctx) {
		t.Error("Wait returned true on a cancelled context")
	}
}
