package testserver

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func startSMTP(t *testing.T) *SMTP {
	t.Helper()
	s, err := StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// send delivers raw over one connection and returns the result of the
// final dot (or of the first command that failed).
func send(t *testing.T, addr string, auth sasl.Client, from string, to []string, raw []byte) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSMTPCapturesMessage(t *testing.T) {
	s := startSMTP(t)
	raw := testMessage("thanks")
	if err := send(t, s.Addr(), nil, "shop@example.test", []string{"ana@customer.test", "bo@customer.test"}, raw); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Wait(waitCtx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.From != "shop@example.test" || len(m.To) != 2 || m.To[1] != "bo@customer.test" || m.At.IsZero() {
		t.Errorf("captured %+v", m)
	}
	if !bytes.Equal(m.Data, raw) {
		t.Errorf("data %q, want %q", m.Data, raw)
	}
}

func TestSMTPWaitGivesUpWithContext(t *testing.T) {
	s := startSMTP(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Wait(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want deadline exceeded", err)
	}
}

func TestSMTPFaultsBehaveAsDocumented(t *testing.T) {
	tests := []struct {
		name     string
		fault    Fault
		code     int // 0: a non-SMTP (connection) error is expected; -1: no error
		captured int
	}{
		{"none accepts", FaultNone, -1, 1},
		{"temp replies 451", FaultTemp, 451, 0},
		{"perm replies 550", FaultPerm, 550, 0},
		{"drop before dot loses message", FaultDropBeforeDot, 0, 0},
		{"drop after dot keeps message", FaultDropAfterDot, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSMTP(t)
			s.SetFault(func(int, []string) Fault { return tt.fault })
			err := send(t, s.Addr(), nil, "shop@example.test", []string{"ana@customer.test"}, testMessage(tt.name))
			var se *smtp.SMTPError
			switch {
			case tt.code == -1 && err != nil:
				t.Fatalf("send: %v", err)
			case tt.code == 0 && (err == nil || errors.As(err, &se)):
				t.Fatalf("send = %v, want a connection error", err)
			case tt.code > 0 && (!errors.As(err, &se) || se.Code != tt.code):
				t.Fatalf("send = %v, want SMTP %d", err, tt.code)
			}
			if tt.fault == FaultPerm && (se.EnhancedCode != smtp.EnhancedCode{5, 1, 1} || se.Message != "mailbox unavailable") {
				t.Errorf("perm reply %v", se)
			}
			if tt.fault == FaultTemp && se.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
				t.Errorf("temp reply %v", se)
			}
			if n := len(s.Messages()); n != tt.captured {
				t.Errorf("captured %d messages, want %d", n, tt.captured)
			}
		})
	}
}

func TestSMTPFaultCountsDataAttempts(t *testing.T) {
	s := startSMTP(t)
	var mu sync.Mutex
	var seen []int
	s.SetFault(func(n int, rcpt []string) Fault {
		mu.Lock()
		seen = append(seen, n)
		mu.Unlock()
		if n == 1 {
			return FaultTemp
		}
		return FaultNone
	})
	for i, want := range []bool{false, true} {
		err := send(t, s.Addr(), nil, "shop@example.test", []string{"ana@customer.test"}, testMessage("retry"))
		if (err == nil) != want {
			t.Fatalf("attempt %d: err = %v", i+1, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != 1 || seen[1] != 2 {
		t.Errorf("fault saw attempts %v, want [1 2]", seen)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("captured %d, want 1", n)
	}
}

func TestSMTPStallHangsUntilStop(t *testing.T) {
	s := startSMTP(t)
	reached := make(chan struct{})
	s.SetFault(func(int, []string) Fault { close(reached); return FaultStall })
	done := make(chan error, 1)
	go func() {
		done <- send(t, s.Addr(), nil, "shop@example.test", []string{"ana@customer.test"}, testMessage("stall"))
	}()
	<-reached
	select {
	case err := <-done:
		t.Fatalf("send returned during stall: %v", err)
	default:
	}
	s.Stop()
	if err := <-done; err == nil {
		t.Fatal("stalled send succeeded")
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("captured %d, want 0", n)
	}
}

func TestSMTPRejectsRecipient(t *testing.T) {
	s := startSMTP(t)
	s.RejectRcpt("Gone@Customer.test", 550, "no such user")
	err := send(t, s.Addr(), nil, "shop@example.test", []string{"gone@customer.test"}, testMessage("x"))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 || se.Message != "no such user" {
		t.Fatalf("send = %v, want 550 no such user", err)
	}
}

func TestSMTPRequireAuth(t *testing.T) {
	s := startSMTP(t)
	s.RequireAuth("shop", "pw")
	tests := []struct {
		name string
		auth sasl.Client
		code int
	}{
		{"no auth is refused", nil, 530},
		{"wrong password is refused", sasl.NewPlainClient("", "shop", "nope"), 535},
		{"right password sends", sasl.NewPlainClient("", "shop", "pw"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := send(t, s.Addr(), tt.auth, "shop@example.test", []string{"ana@customer.test"}, testMessage("auth"))
			var se *smtp.SMTPError
			if tt.code == 0 && err != nil || tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code) {
				t.Fatalf("send = %v, want code %d", err, tt.code)
			}
		})
	}
}

func TestSMTPRestartKeepsPortAndMessages(t *testing.T) {
	s := startSMTP(t)
	addr := s.Addr()
	if err := send(t, addr, nil, "a@example.test", []string{"b@customer.test"}, testMessage("one")); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if c, err := smtp.Dial(addr); err == nil {
		c.Close()
		t.Fatal("stopped server accepted a connection")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("addr changed: %s -> %s", addr, s.Addr())
	}
	if err := send(t, addr, nil, "a@example.test", []string{"b@customer.test"}, testMessage("two")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wait(waitCtx(t), 2); err != nil {
		t.Fatal(err)
	}
}
