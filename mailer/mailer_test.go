package mailer

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

func startSMTP(t *testing.T) (*testserver.SMTP, *Mailer) {
	t.Helper()
	srv, err := testserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	m, err := New(Config{Address: srv.Addr(), Security: "none", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return srv, m
}

func sample() *Mail {
	return &Mail{
		From:          &mail.Address{Name: "Pam at Acme Bikes", Address: "shop@example.test"},
		To:            &mail.Address{Name: "Ana López", Address: "ana@example.com"},
		Subject:       "Re: ¿Tienen la bicicleta azul?",
		Text:          "Hi Ana,\n\nThanks for writing.\n\nPam\n",
		MessageID:     "fu.1@example.test",
		InReplyTo:     "q1@mail.example.com",
		References:    []string{"q0@mail.example.com"},
		Date:          time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		AutoSubmitted: "auto-generated",
	}
}

func readCaptured(t *testing.T, c testserver.Captured) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(c.Data)))
	if err != nil {
		t.Fatalf("captured message does not parse: %v\n%s", err, c.Data)
	}
	b, _ := io.ReadAll(m.Body)
	return m, string(b)
}

func TestSendSetsThreadingAndAutomaticHeaders(t *testing.T) {
	srv, m := startSMTP(t)
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	// A second send reuses the connection and must work as well.
	second := sample()
	second.MessageID = "fu.2@example.test"
	if err := m.Send(context.Background(), second); err != nil {
		t.Fatalf("second send on the reused connection: %v", err)
	}
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("captured %d messages, want 2", len(got))
	}
	msg, _ := readCaptured(t, got[0])
	dec := new(mime.WordDecoder)
	want := map[string]string{
		"Message-Id":     "<fu.1@example.test>",
		"In-Reply-To":    "<q1@mail.example.com>",
		"References":     "<q0@mail.example.com> <q1@mail.example.com>",
		"Auto-Submitted": "auto-generated",
	}
	for k, v := range want {
		if g := msg.Header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	if s, _ := dec.DecodeHeader(msg.Header.Get("Subject")); s != "Re: ¿Tienen la bicicleta azul?" {
		t.Errorf("Subject decodes to %q", s)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Ana López" || to[0].Address != "ana@example.com" {
		t.Errorf("To = %v, %v", to, err)
	}
	if got[0].To[0] != "ana@example.com" || got[0].From != "shop@example.test" {
		t.Errorf("envelope = %s -> %v", got[0].From, got[0].To)
	}
}

func TestCustomerDataCannotAddHeadersOrRecipients(t *testing.T) {
	hostile := []string{
		"Bob\r\nBcc: x@evil.test",
		"Bob\nBcc: x@evil.test",
		"Bob\rBcc: x@evil.test",
		"=?utf-8?q?Bob=0D=0ABcc=3A_x@evil.test?=",
		"Bob\u2028Bcc: x@evil.test",
		strings.Repeat("A very long name ", 200) + "\r\nBcc: x@evil.test",
		"Bob \xff\xfe\r\nBcc: x@evil.test",
	}
	for _, h := range hostile {
		srv, m := startSMTP(t)
		ml := sample()
		ml.To.Name = h
		ml.Subject = "Re: " + h
		ml.InReplyTo = "q1@x>\r\nBcc: x@evil.test"
		ml.References = []string{"<a@b>\r\nBcc: x@evil.test"}
		if err := m.Send(context.Background(), ml); err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		got := srv.Messages()
		if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "ana@example.com" {
			t.Fatalf("%q: envelope recipients %v, want only the customer", h, got)
		}
		msg, _ := readCaptured(t, got[0])
		if v, ok := msg.Header["Bcc"]; ok {
			t.Errorf("%q: a Bcc header was injected: %v", h, v)
		}
		for k := range msg.Header {
			if strings.Contains(strings.ToLower(k), "bcc") {
				t.Errorf("%q: header %q appeared", h, k)
			}
		}
	}
}

func TestSMTPFailuresAreClassified(t *testing.T) {
	tests := []struct {
		name       string
		fault      testserver.Fault
		rejectRcpt bool
		permanent  bool
		recipient  bool
		inDoubt    bool
		wantCode   int
	}{
		{name: "451 at end of data is temporary", fault: testserver.FaultTemp, wantCode: 451},
		{name: "550 at end of data is permanent", fault: testserver.FaultPerm, permanent: true, wantCode: 550},
		{name: "550 to RCPT is permanent and about the recipient", rejectRcpt: true, permanent: true, recipient: true, wantCode: 550},
		{name: "drop after the dot is in doubt", fault: testserver.FaultDropAfterDot, inDoubt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, m := startSMTP(t)
			srv.SetFault(func(int, []string) testserver.Fault { return tt.fault })
			if tt.rejectRcpt {
				srv.RejectRcpt("ana@example.com", 550, "5.1.1 no such user here")
			}
			err := m.Send(context.Background(), sample())
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *mailer.Error", err, err)
			}
			if e.Permanent != tt.permanent || e.Recipient != tt.recipient || e.InDoubt() != tt.inDoubt || e.Code != tt.wantCode {
				t.Errorf("got permanent=%v recipient=%v inDoubt=%v code=%d (%v); want %v %v %v %d",
					e.Permanent, e.Recipient, e.InDoubt(), e.Code, e, tt.permanent, tt.recipient, tt.inDoubt, tt.wantCode)
			}
			if tt.rejectRcpt && !strings.Contains(err.Error(), "no such user here") {
				t.Errorf("error %q does not keep the server's reply", err)
			}
			// After any failure the next send starts a fresh connection.
			srv.SetFault(nil)
			if !tt.rejectRcpt {
				if err := m.Send(context.Background(), sample()); err != nil {
					t.Errorf("send after the failure: %v", err)
				}
			}
		})
	}
}

func TestServerDownIsTemporary(t *testing.T) {
	srv, m := startSMTP(t)
	srv.Stop()
	err := m.Send(context.Background(), sample())
	var e *Error
	if !errors.As(err, &e) || e.Permanent || e.InDoubt() {
		t.Fatalf("send to a stopped server: %v, want a temporary error", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatalf("send after the server came back: %v", err)
	}
}
