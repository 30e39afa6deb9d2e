package mailer

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in       string
		want     Rate
		interval time.Duration
		bad      bool
	}{
		{in: "", want: Rate{}, interval: 0},
		{in: "30/m", want: Rate{30, time.Minute}, interval: 2 * time.Second},
		{in: "1/s", want: Rate{1, time.Second}, interval: time.Second},
		{in: "500/h", want: Rate{500, time.Hour}, interval: 7200 * time.Millisecond},
		{in: "1000/d", want: Rate{1000, 24 * time.Hour}, interval: 86400 * time.Millisecond},
		{in: " 30 / min ", want: Rate{30, time.Minute}, interval: 2 * time.Second},
		{in: "2/Hour", want: Rate{2, time.Hour}, interval: 30 * time.Minute},
		{in: "1/90s", want: Rate{1, 90 * time.Second}, interval: 90 * time.Second},
		{in: "30", bad: true},
		{in: "0/m", bad: true},
		{in: "-1/m", bad: true},
		{in: "1.5/m", bad: true},
		{in: "30/fortnight", bad: true},
		{in: "30/-1m", bad: true},
		{in: "/m", bad: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseRate(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want || got.Interval() != tt.interval {
				t.Fatalf("ParseRate(%q) = %v (every %v), %v; want %v every %v", tt.in, got, got.Interval(), err, tt.want, tt.interval)
			}
			if back, err := ParseRate(got.String()); err != nil || back != got {
				t.Errorf("String %q does not parse back: %v, %v", got.String(), back, err)
			}
		})
	}
}

func TestRateLimitedSendWaitsAndHonoursContext(t *testing.T) {
	srv, m := startSMTPWith(t, Config{Security: "none", Timeout: 5 * time.Second, Rate: "1/h"})
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatalf("first send: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := m.Send(ctx, sample())
	var e *Error
	if !errors.As(err, &e) || e.Stage != StageWait || e.Permanent || e.InDoubt() || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second send within the hour = %v, want a temporary wait error from ctx", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("captured %d messages, want 1", n)
	}
}

func TestRateLimitedSendsAllGoOut(t *testing.T) {
	srv, m := startSMTPWith(t, Config{Security: "none", Timeout: 5 * time.Second, Rate: "100/s"})
	for i := range 4 {
		if err := m.Send(context.Background(), sample()); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if n := len(srv.Messages()); n != 4 {
		t.Errorf("captured %d messages, want 4", n)
	}
}

func TestWaitingForABusyMailerHonoursContext(t *testing.T) {
	_, m := startSMTP(t)
	c := <-m.idle // a send in progress holds the one connection
	defer func() { m.idle <- c }()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := m.Send(ctx, sample())
	var e *Error
	if !errors.As(err, &e) || e.Stage != StageWait || e.Permanent {
		t.Fatalf("send while another holds the connection = %v, want a temporary wait error", err)
	}
}

func TestCloseIsNotHeldUpByARateWait(t *testing.T) {
	_, m := startSMTPWith(t, Config{Security: "none", Timeout: 5 * time.Second, Rate: "1/h"})
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Send(ctx, sample()) }() // waits for its turn in an hour
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the waiting send went out")
	}
}
