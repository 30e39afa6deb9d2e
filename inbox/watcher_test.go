package inbox

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/followupd/followupd/internal/testserver"
)

// memSink records what the watcher delivers.
type memSink struct {
	mu   sync.Mutex
	cp   *Checkpoint
	msgs []Fetched
}

func (s *memSink) Checkpoint(context.Context, string) (Checkpoint, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cp == nil {
		return Checkpoint{}, false, nil
	}
	return *s.cp, true, nil
}

func (s *memSink) Deliver(_ context.Context, _ string, cp Checkpoint, msgs []Fetched) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cp = &cp
	s.msgs = append(s.msgs, msgs...)
	return nil
}

func (s *memSink) Synced(context.Context, string, time.Time) error { return nil }

func (s *memSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// within polls cond until it holds or 30 seconds pass, and reports
// whether it held: a deadline, not a count of polls, so a slow machine
// does not fail a test that a fast one passes.
func within(cond func() bool) bool {
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(25 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// run starts a watcher until the test ends.
func runWatcher(t *testing.T, opts Options, sink Sink) *Watcher {
	t.Helper()
	w := NewWatcher(opts, sink)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

const plainMail = "From: Ana <ana@example.com>\r\nSubject: Hi\r\nMessage-ID: <w1@example.com>\r\n\r\nHello\r\n"

func TestWatcherConnectsWithEachSecurityModeAndNeverMarksMailRead(t *testing.T) {
	ca, err := testserver.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	serverConf, err := ca.ServerConfig("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		mode     testserver.IMAPTLSMode
		security string
	}{
		{"none", testserver.IMAPPlain, "none"},
		{"starttls", testserver.IMAPStartTLS, "starttls"},
		{"tls", testserver.IMAPImplicitTLS, "tls"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := testserver.StartIMAPTLS(tt.mode, serverConf, "shop@example.test", "secret")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			if _, err := srv.Append("INBOX", []byte(plainMail)); err != nil {
				t.Fatal(err)
			}
			sink := &memSink{}
			runWatcher(t, Options{Address: srv.Addr(), Security: tt.security, Username: "shop@example.test",
				Password: "secret", Timeout: 5 * time.Second, TLS: ca.ClientConfig()}, sink)
			within(func() bool { return sink.count() > 0 })
			if sink.count() != 1 {
				t.Fatalf("delivered %d messages, want 1", sink.count())
			}
			if flags := flagsOf(t, srv.Addr(), tt.security, ca.ClientConfig()); len(flags) != 0 {
				t.Errorf("the watcher changed the message's flags to %v: it must fetch with BODY.PEEK[]", flags)
			}
		})
	}
}

func TestWatcherRefusesAnUntrustedCertificate(t *testing.T) {
	ca, _ := testserver.NewTestCA()
	serverConf, _ := ca.ServerConfig("127.0.0.1")
	srv, err := testserver.StartIMAPTLS(testserver.IMAPImplicitTLS, serverConf, "shop@example.test", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Append("INBOX", []byte(plainMail))
	sink := &memSink{}
	// No RootCAs: the system roots, which do not know the test CA.
	w := runWatcher(t, Options{Address: srv.Addr(), Security: "tls", Username: "shop@example.test",
		Password: "secret", Timeout: 5 * time.Second}, sink)
	var st Status
	within(func() bool { st = w.Status(); return st.LastError != "" })
	if !strings.Contains(st.LastError, "certificate") || st.Connected || sink.count() != 0 {
		t.Errorf("status %+v, %d delivered; want a certificate error and nothing fetched", st, sink.count())
	}
}

// flagsOf reads the flags of INBOX's first message.
func flagsOf(t *testing.T, addr, security string, conf *tls.Config) []imap.Flag {
	t.Helper()
	opts := &imapclient.Options{TLSConfig: conf}
	var c *imapclient.Client
	var err error
	switch security {
	case "tls":
		c, err = imapclient.DialTLS(addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		c, err = imapclient.DialInsecure(addr, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("shop@example.test", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch flags: %v %v", msgs, err)
	}
	return msgs[0].Flags
}

// TestAnOversizedMessageIsFetchedAsItsHeaderAtMost: a message over the
// size limit is not fetched whole, and of its header only MaxHeaderFetch
// bytes, whatever the sender put in it; the header is still read. Run
// against the in-process server and against Dovecot.
func TestAnOversizedMessageIsFetchedAsItsHeaderAtMost(t *testing.T) {
	huge := "From: Big <big@example.com>\r\nSubject: Photos\r\nMessage-ID: <big@example.com>\r\n" +
		strings.Repeat("X-Filler: "+strings.Repeat("y", 990)+"\r\n", 2*MaxHeaderFetch/1000) + "\r\n" + strings.Repeat("body\r\n", 20000)
	for _, dovecot := range []bool{false, true} {
		addr, pass := "", "secret"
		if dovecot {
			d := testserver.NeedDovecot(t)
			if err := d.Append("INBOX", []byte(huge)); err != nil {
				t.Fatal(err)
			}
			addr = d.Addr()
		} else {
			srv, err := testserver.StartIMAP("shop@example.test", pass)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			if _, err := srv.Append("INBOX", []byte(huge)); err != nil {
				t.Fatal(err)
			}
			addr = srv.Addr()
		}
		sink := &memSink{}
		runWatcher(t, Options{Address: addr, Security: "none", Username: "shop@example.test", Password: pass,
			Timeout: 5 * time.Second, MaxSize: 64 << 10}, sink)
		within(func() bool { return sink.count() > 0 })
		if sink.count() != 1 {
			t.Fatalf("dovecot %v: delivered %d messages, want 1", dovecot, sink.count())
		}
		f := sink.msgs[0]
		if !f.TooBig || len(f.Raw) > MaxHeaderFetch || !strings.HasPrefix(string(f.Raw), "From: Big <big@example.com>") {
			t.Errorf("dovecot %v: too big %v, %d bytes fetched (at most %d), starting %.40q", dovecot, f.TooBig, len(f.Raw), MaxHeaderFetch, f.Raw)
		}
	}
}

// TestThePasswordIsNeverSentInClearToARemoteHost: with security "none",
// a login to a host that is not on loopback is refused before the
// password is written, unless allow_plaintext says so.
func TestThePasswordIsNeverSentInClearToARemoteHost(t *testing.T) {
	srv, err := testserver.StartIMAP("shop@example.test", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if _, err := srv.Append("INBOX", []byte(plainMail)); err != nil {
		t.Fatal(err)
	}
	// The dialer reaches the loopback server, but the connection says it
	// is to 192.0.2.10, as a connection to a remote host would.
	remote := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, srv.Addr())
		return remoteConn{c}, err
	}
	for _, allow := range []bool{false, true} {
		sink := &memSink{}
		w := runWatcher(t, Options{Address: "imap.example.net:143", Security: "none", Username: "shop@example.test", Password: "secret",
			Timeout: 5 * time.Second, Dial: remote, AllowPlaintext: allow}, sink)
		within(func() bool { return sink.count() > 0 || w.Status().LastError != "" })
		if allow != (sink.count() == 1) {
			t.Errorf("allow_plaintext %v: %d delivered, last error %q", allow, sink.count(), w.Status().LastError)
		}
		if !allow && !strings.Contains(w.Status().LastError, "refused to send the password in clear") {
			t.Errorf("refused, but the error says %q", w.Status().LastError)
		}
	}
}

type remoteConn struct{ net.Conn }

func (remoteConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 143}
}
