package inbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"mime"
	"net"
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

func (t *tracer) Write(p []byte) (int, error) {
	if t.muted.Load() {
		return len(p), nil
	}
	if _, err := t.w.Write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}
