package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

// redirect dials the test server whatever address the Mailer asks for, so
// that the Mailer can believe it talks to a remote host by name.
func redirect(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

func TestSecurityModes(t *testing.T) {
	ca, err := testserver.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	loopback, err := ca.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	named, err := ca.ServerConfig("smtp.example.test")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		server   testserver.SMTPTLSMode
		cert     *tls.Config
		cfg      Config // Address is the test server's unless set (then dialled by redirect)
		ok       bool
		auth     bool // the server requires AUTH PLAIN
		sentNone bool // on failure: nothing at all reached the server beyond the connection
	}{
		{name: "starttls with the CA trusted sends and authenticates", server: testserver.SMTPStartTLS, cert: loopback,
			cfg: Config{Security: "starttls", TLS: ca.ClientConfig()}, auth: true, ok: true},
		{name: "implicit tls with the CA trusted sends and authenticates", server: testserver.SMTPImplicitTLS, cert: loopback,
			cfg: Config{Security: "tls", TLS: ca.ClientConfig()}, auth: true, ok: true},
		{name: "empty security means starttls", server: testserver.SMTPStartTLS, cert: loopback,
			cfg: Config{TLS: ca.ClientConfig()}, ok: true},
		{name: "starttls to a remote host name verifies that name", server: testserver.SMTPStartTLS, cert: named,
			cfg: Config{Address: "smtp.example.test:587", Security: "starttls", TLS: ca.ClientConfig()}, auth: true, ok: true},
		{name: "starttls with an untrusted certificate fails", server: testserver.SMTPStartTLS, cert: loopback,
			cfg: Config{Security: "starttls"}, auth: true, sentNone: true},
		{name: "implicit tls with an untrusted certificate fails", server: testserver.SMTPImplicitTLS, cert: loopback,
			cfg: Config{Security: "tls"}, auth: true, sentNone: true},
		{name: "a certificate for another name fails", server: testserver.SMTPImplicitTLS, cert: named,
			cfg: Config{Address: "mail.other.test:465", Security: "tls", TLS: ca.ClientConfig()}, auth: true, sentNone: true},
		{name: "insecure_skip_verify accepts an untrusted certificate", server: testserver.SMTPImplicitTLS, cert: loopback,
			cfg: Config{Security: "tls", InsecureSkipVerify: true}, auth: true, ok: true},
		{name: "starttls is never skipped when the server does not offer it", server: testserver.SMTPPlain,
			cfg: Config{Security: "starttls"}, auth: true, sentNone: true},
		{name: "tls against a plain port fails", server: testserver.SMTPPlain,
			cfg: Config{Security: "tls"}, sentNone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := testserver.StartSMTPTLS(tt.server, tt.cert)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			cfg := tt.cfg
			cfg.Timeout = 5 * time.Second
			if cfg.Address != "" {
				cfg.Dial = redirect(srv.Addr())
			}
			if tt.auth {
				srv.RequireAuth("shop", "s3cret")
				cfg.Username, cfg.Password = "shop", "s3cret"
			}
			m := newMailer(t, srv, cfg)
			err = m.Send(context.Background(), sample())
			if tt.ok {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				if n := len(srv.Messages()); n != 1 {
					t.Fatalf("captured %d messages, want 1", n)
				}
				if tt.auth && len(srv.AuthsUsed()) != 1 {
					t.Errorf("AuthsUsed = %v", srv.AuthsUsed())
				}
				return
			}
			t.Logf("error: %v", err)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("send = %v (%T), want a *mailer.Error", err, err)
			}
			if !e.Config || e.Permanent || e.Stage != StageConnect || e.InDoubt() {
				t.Errorf("got config=%v permanent=%v stage=%s (%v); want a temporary connect error flagged Config",
					e.Config, e.Permanent, e.Stage, e)
			}
			if tt.sentNone && (len(srv.Messages()) != 0 || len(srv.AuthsUsed()) != 0) {
				t.Errorf("server got %d messages and AUTH %v", len(srv.Messages()), srv.AuthsUsed())
			}
		})
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	for _, security := range []string{"none", "starttls", "tls"} {
		t.Run(security, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			held := make(chan net.Conn, 1)
			go func() {
				if c, err := ln.Accept(); err == nil {
					held <- c // accept and say nothing
				}
			}()
			m, err := New(Config{Address: ln.Addr().String(), Security: security, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			err = m.Send(context.Background(), sample())
			var e *Error
			if !errors.As(err, &e) || e.Permanent || e.Stage != StageConnect {
				t.Fatalf("send to a silent server = %v, want a temporary connect error", err)
			}
			select {
			case c := <-held:
				c.Close()
			default:
			}
		})
	}
}
