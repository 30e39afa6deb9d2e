package mailer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/followupd/followupd/internal/testserver"
)

func TestAuthMechanisms(t *testing.T) {
	tests := []struct {
		name      string
		offered   []string // nil: AUTH not advertised at all
		auth      string
		pass      string
		wantMech  string // the mechanism the server saw succeed; "" means the send fails
		permanent bool
	}{
		{name: "auto prefers PLAIN", offered: []string{testserver.AuthLogin, sasl.Plain}, pass: "pw", wantMech: sasl.Plain},
		{name: "auto falls back to LOGIN", offered: []string{testserver.AuthLogin}, pass: "pw", wantMech: testserver.AuthLogin},
		{name: "login when asked for", offered: []string{sasl.Plain, testserver.AuthLogin}, auth: "login", pass: "pw", wantMech: testserver.AuthLogin},
		{name: "plain when asked for", offered: []string{sasl.Plain, testserver.AuthLogin}, auth: "PLAIN", pass: "pw", wantMech: sasl.Plain},
		{name: "xoauth2 with the token as password", offered: []string{testserver.AuthXOAUTH2}, auth: "xoauth2", pass: "pw", wantMech: testserver.AuthXOAUTH2},
		{name: "a mechanism the server does not offer is a configuration error", offered: []string{testserver.AuthLogin}, auth: "plain", pass: "pw"},
		{name: "auto with only XOAUTH2 offered and no token is a configuration error", offered: []string{testserver.AuthXOAUTH2}, pass: "pw"},
		{name: "a server without AUTH is a configuration error", offered: []string{}, pass: "pw"},
		{name: "a wrong password is permanent and a configuration error", offered: []string{sasl.Plain}, pass: "nope", permanent: true},
		{name: "a wrong LOGIN password is permanent and a configuration error", offered: []string{testserver.AuthLogin}, pass: "nope", permanent: true},
		{name: "a stale xoauth2 token is permanent and a configuration error", offered: []string{testserver.AuthXOAUTH2}, auth: "xoauth2", pass: "old", permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := testserver.StartSMTP()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			srv.RequireAuth("shop@example.test", "pw")
			srv.SetAuthMechanisms(tt.offered...)
			m := newMailer(t, srv, Config{Security: "none", Timeout: 5 * time.Second,
				Username: "shop@example.test", Password: tt.pass, Auth: tt.auth})
			err = m.Send(context.Background(), sample())
			if tt.wantMech != "" {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				if used := srv.AuthsUsed(); !slices.Equal(used, []string{tt.wantMech}) {
					t.Errorf("AUTH used %v, want %s", used, tt.wantMech)
				}
				return
			}
			t.Logf("error: %v", err)
			var e *Error
			if !errors.As(err, &e) || !e.Config || e.Permanent != tt.permanent || e.Stage != StageConnect {
				t.Fatalf("send = %v, want a connect error flagged Config with permanent=%v", err, tt.permanent)
			}
			if tt.permanent && (e.Code != 535 || !strings.HasPrefix(e.Reply, "535 ")) {
				t.Errorf("code %d reply %q, want the 535", e.Code, e.Reply)
			}
			if strings.Contains(err.Error(), tt.pass) && tt.pass != "" {
				t.Errorf("error %q shows the password", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("captured %d messages", n)
			}
		})
	}
}

func TestXOAUTH2TokenIsReadAfreshForEachConnection(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	tests := []struct {
		name string
		cfg  Config
	}{
		{"from a file", Config{TokenFile: file}},
		{"from a command", Config{TokenCommand: []string{"cat", file}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := testserver.StartSMTP()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			srv.SetAuthMechanisms(testserver.AuthXOAUTH2)
			cfg := tt.cfg
			cfg.Security, cfg.Timeout, cfg.Username = "none", 5*time.Second, "shop@example.test"
			m := newMailer(t, srv, cfg)
			for i, tok := range []string{"ya29.first-token", "ya29.second-token"} {
				srv.RequireAuth("shop@example.test", tok)
				if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := m.Send(context.Background(), sample()); err != nil {
					t.Fatalf("send %d with token %s: %v", i+1, tok, err)
				}
				m.Close() // the next send opens a new connection
			}
			if used := srv.AuthsUsed(); !slices.Equal(used, []string{"XOAUTH2", "XOAUTH2"}) {
				t.Errorf("AUTH used %v", used)
			}
		})
	}
}

func TestTokenSourceFailureIsAConfigurationError(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"missing file", Config{TokenFile: filepath.Join(dir, "missing")}},
		{"empty file", Config{TokenFile: empty}},
		{"command fails", Config{TokenCommand: []string{"sh", "-c", "echo refresh token R3FR3SHs3cr3t rejected >&2; exit 3"}}},
		{"command prints two words", Config{TokenCommand: []string{"echo", "R3FR3SHs3cr3t words"}}},
		{"command not found", Config{TokenCommand: []string{filepath.Join(dir, "no-such-program")}}},
		{"command hangs past the timeout", Config{TokenCommand: []string{"sleep", "30"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := testserver.StartSMTP()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			cfg := tt.cfg
			cfg.Security, cfg.Timeout, cfg.Username = "none", time.Second, "shop@example.test"
			m := newMailer(t, srv, cfg)
			err = m.Send(context.Background(), sample())
			t.Logf("error: %v", err)
			var e *Error
			if !errors.As(err, &e) || !e.Config || e.Permanent || e.Stage != StageConnect {
				t.Fatalf("send = %v, want a temporary connect error flagged Config", err)
			}
			if strings.Contains(err.Error(), "R3FR3SHs3cr3t") {
				t.Errorf("the error shows what the helper printed: %v", err)
			}
			if n := srv.Connections(); n != 0 {
				t.Errorf("connected %d times without a token", n)
			}
		})
	}
}

func TestCredentialsAreNeverSentInTheClearToARemoteHost(t *testing.T) {
	srv, err := testserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.RequireAuth("shop", "pw")
	srv.SetAuthMechanisms(sasl.Plain, testserver.AuthLogin, testserver.AuthXOAUTH2)
	for _, auth := range []string{"", "plain", "login", "xoauth2"} {
		m := newMailer(t, srv, Config{Address: "mail.example.test:25", Dial: redirect(srv.Addr()),
			Security: "none", Timeout: 5 * time.Second, Username: "shop", Password: "pw", Auth: auth})
		err := m.Send(context.Background(), sample())
		var e *Error
		if !errors.As(err, &e) || !e.Config || e.Stage != StageConnect {
			t.Errorf("auth %q over plain text to a remote host: %v, want a configuration error", auth, err)
		}
	}
	if used := srv.AuthsUsed(); len(used) != 0 {
		t.Errorf("AUTH went through in the clear: %v", used)
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no port", Config{Address: "mail.example.test"}, "address"},
		{"unknown security", Config{Address: "a:25", Security: "ssl"}, "security"},
		{"unknown auth", Config{Address: "a:25", Auth: "cram-md5", Username: "u"}, "auth"},
		{"token without a username", Config{Address: "a:25", TokenFile: "/t"}, "username"},
		{"token command and file", Config{Address: "a:25", Username: "u", TokenFile: "/t", TokenCommand: []string{"x"}}, "not both"},
		{"token with plain auth", Config{Address: "a:25", Username: "u", Auth: "plain", TokenFile: "/t"}, "xoauth2"},
		{"xoauth2 without a token", Config{Address: "a:25", Username: "u", Auth: "xoauth2"}, "token"},
		{"empty token command", Config{Address: "a:25", Username: "u", TokenCommand: []string{""}}, "token_command"},
		{"bad rate", Config{Address: "a:25", Rate: "30 per minute"}, "rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error about %s", err, tt.want)
			}
		})
	}
}
