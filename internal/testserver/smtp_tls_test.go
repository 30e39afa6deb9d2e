package testserver

import (
	"bytes"
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sendWith is send over a client the caller dialled.
func sendWith(c *smtp.Client, auth sasl.Client, raw []byte) error {
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail("shop@example.test", nil); err != nil {
		return err
	}
	if err := c.Rcpt("ana@customer.test", nil); err != nil {
		return err
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

func testCA(t *testing.T) (*TestCA, *tls.Config) {
	t.Helper()
	ca, err := NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	conf, err := ca.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	return ca, conf
}

func TestSMTPOffersTLSSignedByTestCA(t *testing.T) {
	ca, conf := testCA(t)
	tests := []struct {
		name string
		mode SMTPTLSMode
		dial func(addr string, conf *tls.Config) (*smtp.Client, error)
	}{
		{"starttls upgrades a plain connection", SMTPStartTLS, smtp.DialStartTLS},
		{"implicit tls speaks tls from the start", SMTPImplicitTLS, smtp.DialTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := StartSMTPTLS(tt.mode, conf)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			s.RequireAuth("shop", "pw")

			client := ca.ClientConfig()
			client.ServerName = "127.0.0.1"
			c, err := tt.dial(s.Addr(), client)
			if err != nil {
				t.Fatalf("dial with the CA trusted: %v", err)
			}
			if err := c.Noop(); err != nil {
				t.Fatalf("noop over tls: %v", err)
			}
			if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete {
				t.Fatal("connection is not TLS")
			}
			if err := sendWith(c, sasl.NewPlainClient("", "shop", "pw"), testMessage("tls")); err != nil {
				t.Fatalf("send over tls: %v", err)
			}
			if n := len(s.Messages()); n != 1 {
				t.Fatalf("captured %d, want 1", n)
			}

			// A client that does not trust the CA must fail the handshake.
			c, err = tt.dial(s.Addr(), &tls.Config{ServerName: "127.0.0.1"})
			if err == nil {
				err = c.Noop()
				c.Close()
			}
			if err == nil {
				t.Fatal("handshake succeeded without trusting the test CA")
			}
		})
	}
}

func TestSMTPPlainServerDoesNotOfferStartTLS(t *testing.T) {
	s := startSMTP(t)
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("plain server advertises STARTTLS")
	}
}

// xoauth2Client is the client side of XOAUTH2 (go-sasl has none).
type xoauth2Client struct{ user, token string }

func (a xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + a.user + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}

func (a xoauth2Client) Next([]byte) ([]byte, error) { return []byte{}, nil }

func TestSMTPAuthMechanisms(t *testing.T) {
	tests := []struct {
		name  string
		mechs []string
		auth  sasl.Client
		code  int // 0: accepted
	}{
		{"login with the right password", []string{AuthLogin}, sasl.NewLoginClient("shop", "pw"), 0},
		{"login with a wrong password is refused", []string{AuthLogin}, sasl.NewLoginClient("shop", "nope"), 535},
		{"xoauth2 with the right token", []string{AuthXOAUTH2}, xoauth2Client{"shop", "pw"}, 0},
		{"xoauth2 with a stale token is refused", []string{AuthXOAUTH2}, xoauth2Client{"shop", "old"}, 535},
		{"plain is refused when not offered", []string{AuthLogin}, sasl.NewPlainClient("", "shop", "pw"), 504},
		{"plain still works by default", nil, sasl.NewPlainClient("", "shop", "pw"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSMTP(t)
			s.RequireAuth("shop", "pw")
			if tt.mechs != nil {
				s.SetAuthMechanisms(tt.mechs...)
			}
			c, err := smtp.Dial(s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			err = sendWith(c, tt.auth, testMessage("auth"))
			var se *smtp.SMTPError
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("send: %v", err)
			case tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code):
				t.Fatalf("send = %v, want code %d", err, tt.code)
			}
			used := s.AuthsUsed()
			if tt.code == 0 && (len(used) != 1 || strings.ToUpper(used[0]) != used[0]) {
				t.Errorf("AuthsUsed = %v", used)
			}
			if tt.code != 0 && len(used) != 0 {
				t.Errorf("AuthsUsed = %v after a refusal", used)
			}
		})
	}
}

func TestSMTPCountsConnections(t *testing.T) {
	s := startSMTP(t)
	for i := range 3 {
		if err := send(t, s.Addr(), nil, "shop@example.test", []string{"ana@customer.test"}, testMessage("n")); err != nil {
			t.Fatal(err)
		}
		if n := s.Connections(); n != i+1 {
			t.Fatalf("Connections = %d after %d sends", n, i+1)
		}
	}
}

func TestSMTPDropMidDataClosesBeforeTheDot(t *testing.T) {
	s := startSMTP(t)
	s.SetFault(func(int, []string) Fault { return FaultDropMidData })
	// Far more than the socket buffers hold, so the client is still
	// writing when the connection goes.
	raw := append(testMessage("big"), bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), 1<<16)...)
	err := send(t, s.Addr(), nil, "shop@example.test", []string{"ana@customer.test"}, raw)
	var se *smtp.SMTPError
	if err == nil || errors.As(err, &se) {
		t.Fatalf("send = %v, want a connection error", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("captured %d, want 0", n)
	}
}
