package inbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"mime"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
)

// connect dials, greets, upgrades to TLS as configured and logs in. Every
// step runs under the watchdog. newMail receives a value (never blocking)
// whenever the server reports a new message count.
func (w *Watcher) connect(ctx context.Context, newMail chan<- struct{}) (*imapclient.Client, error) {
	host, _, err := net.SplitHostPort(w.opts.Address)
	if err != nil {
		return nil, fmt.Errorf("imap address %q: %w", w.opts.Address, err)
	}
	dial := w.opts.Dial
	if dial == nil {
		d := &net.Dialer{Timeout: w.opts.Timeout, KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	conn, err := dial(dctx, "tcp", w.opts.Address)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("dial imap %s: %w", w.opts.Address, err)
	}
	tlsConf := w.opts.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsConf = tlsConf.Clone()
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = host
	}
	var trace *tracer
	options := &imapclient.Options{
		TLSConfig:   tlsConf,
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	if w.opts.Debug != nil {
		trace = &tracer{w: w.opts.Debug}
		options.DebugWriter = trace
	}

	var c *imapclient.Client
	switch w.opts.Security {
	case "tls":
		tc := tls.Client(conn, tlsConf)
		hctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("imap tls handshake: %w", err)
		}
		c = imapclient.New(tc, options)
	case "starttls":
		// NewStartTLS reads the greeting and upgrades; guard it with the
		// deadline on the raw connection.
		conn.SetDeadline(time.Now().Add(w.opts.Timeout))
		c, err = imapclient.NewStartTLS(conn, options)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("imap starttls: %w", err)
		}
		conn.SetDeadline(time.Time{})
	case "none", "":
		c = imapclient.New(conn, options)
	default:
		conn.Close()
		return nil, fmt.Errorf("imap security %q: want none, starttls or tls", w.opts.Security)
	}
	if _, err := waitFor(w, c, func() (struct{}, error) { return struct{}{}, c.WaitGreeting() }); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap greeting: %w", err)
	}
	if plain := w.opts.Security == "none" || w.opts.Security == ""; plain && !w.opts.AllowPlaintext && !loopback(conn.RemoteAddr()) {
		c.Close()
		return nil, fmt.Errorf("imap login: refused to send the password in clear to %s: use security = \"tls\" or \"starttls\" (or [imap] allow_plaintext = true)", conn.RemoteAddr())
	}
	// The LOGIN exchange is never traced: the password may go out as a
	// literal (LITERAL+), in the same write or a later one, where no
	// pattern can be trusted to find it.
	trace.mute(true)
	_, err = waitFor(w, c, func() (struct{}, error) { return struct{}{}, c.Login(w.opts.Username, w.opts.Password).Wait() })
	trace.mute(false)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("imap login as %s: %w", w.opts.Username, err)
	}
	return c, nil
}

// hasIdle reports whether the server supports IDLE.
func hasIdle(c *imapclient.Client) bool {
	caps := c.Caps()
	return caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2)
}

// tracer passes the protocol trace on, except while muted (during LOGIN,
// when it says only that the login was left out). A nil *tracer is off.
type tracer struct {
	w     io.Writer
	muted atomic.Bool

	mu   sync.Mutex
	line []byte // the line being written, up to its end
	skip int    // bytes of a literal still to leave out
}

func (t *tracer) mute(on bool) {
	if t == nil {
		return
	}
	if on {
		t.w.Write([]byte("[LOGIN exchange not traced: it carries the password]\r\n"))
	}
	t.muted.Store(on)
}

// Write traces the protocol line by line, leaving out the contents of
// every literal ({N} then N bytes): that is where message bodies and
// headers travel, and a trace is for the protocol, not the customers'
// mail.
func (t *tracer) Write(p []byte) (int, error) {
	if t.muted.Load() {
		return len(p), nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	written := len(p)
	for len(p) > 0 {
		if t.skip > 0 {
			n := min(t.skip, len(p))
			t.skip -= n
			p = p[n:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.line = append(t.line, p...)
			if len(t.line) > 4096 { // a line that long is data: never hold it all
				t.flush()
			}
			break
		}
		t.line = append(t.line, p[:i+1]...)
		p = p[i+1:]
		if n, ok := literalSize(t.line); ok {
			t.line = append(t.line, fmt.Sprintf("[%d bytes not traced]\r\n", n)...)
			t.skip = n
		}
		t.flush()
	}
	return written, nil
}

func (t *tracer) flush() {
	t.w.Write(t.line)
	t.line = t.line[:0]
}

// literalSize returns N when line ends with a literal's announcement,
// "{N}", "{N+}" or "~{N}", then CRLF.
func literalSize(line []byte) (int, bool) {
	l := bytes.TrimRight(line, "\r\n")
	if len(l) < 3 || l[len(l)-1] != '}' {
		return 0, false
	}
	open := bytes.LastIndexByte(l, '{')
	if open < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(string(l[open+1:len(l)-1]), "+"))
	return n, err == nil && n >= 0
}

// loopback reports an address on this machine's loopback interface.
func loopback(a net.Addr) bool {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
