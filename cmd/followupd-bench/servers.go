package main

import (
	"context"
	"fmt"
	"mime"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"

	"github.com/followupd/followupd/internal/testserver"
)

const (
	imapUser = "shop@example.test"
	imapPass = "bench-secret"
)

// imapServer is the mail server the daemon watches: Dovecot, or the
// in-process go-imap server when Dovecot is not installed.
type imapServer struct {
	addr string
	kind string // what it is, for the report
}

// startIMAP starts Dovecot in dir, or the in-process server when Dovecot
// is missing or forced; stop is registered with cl.
func startIMAP(dir string, inprocess bool, cl *cleanups) (*imapServer, error) {
	if !inprocess && testserver.DovecotAvailable() {
		d, err := testserver.StartDovecot(dir, imapUser, imapPass)
		if err != nil {
			return nil, err
		}
		cl.add("dovecot", d.Close)
		return &imapServer{addr: d.Addr(), kind: "Dovecot " + dovecotVersion()}, nil
	}
	s, err := testserver.StartIMAP(imapUser, imapPass)
	if err != nil {
		return nil, err
	}
	cl.add("in-process IMAP server", s.Close)
	return &imapServer{addr: s.Addr(), kind: "in-process go-imap server (Dovecot not installed)"}, nil
}

func dovecotVersion() string {
	for _, bin := range []string{"dovecot", "/usr/sbin/dovecot"} {
		out, err := exec.Command(bin, "--version").Output()
		if err == nil {
			return strings.TrimSpace(string(out))
		}
	}
	return "(version unknown)"
}

// dialIMAP logs in over plain TCP; onExists, if set, is called with each
// new message count the server announces.
func dialIMAP(addr string, onExists func(uint32)) (*imapclient.Client, error) {
	opts := &imapclient.Options{WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader}}
	if onExists != nil {
		opts.UnilateralDataHandler = &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					onExists(*d.NumMessages)
				}
			},
		}
	}
	c, err := imapclient.DialInsecure(addr, opts)
	if err != nil {
		return nil, fmt.Errorf("dial imap: %w", err)
	}
	if err := withTimeout(c, 30*time.Second, func() error { return c.Login(imapUser, imapPass).Wait() }); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap login: %w", err)
	}
	return c, nil
}

// withTimeout runs one IMAP wait, closing the connection if it takes
// longer than d (go-imap takes no context).
func withTimeout(c *imapclient.Client, d time.Duration, fn func() error) error {
	t := time.AfterFunc(d, func() { c.Close() })
	defer t.Stop()
	return fn()
}

// appendAll appends msgs to mailbox (created if missing) over one
// connection and returns the mailbox's UIDVALIDITY and highest UID.
func appendAll(ctx context.Context, addr, mailbox string, msgs func(yield func([]byte) bool)) (validity, last uint32, n int, err error) {
	c, err := dialIMAP(addr, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	if !strings.EqualFold(mailbox, "INBOX") {
		c.Create(mailbox, nil).Wait() // exists already: fine
	}
	for raw := range msgs {
		if ctx.Err() != nil {
			return 0, 0, n, ctx.Err()
		}
		if err := appendOne(c, mailbox, raw); err != nil {
			return 0, 0, n, err
		}
		n++
	}
	validity, last, err = mailboxState(c, mailbox)
	if err == nil {
		err = withTimeout(c, 10*time.Second, func() error { return c.Logout().Wait() })
	}
	return validity, last, n, err
}

func appendOne(c *imapclient.Client, mailbox string, raw []byte) error {
	return withTimeout(c, 30*time.Second, func() error {
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		return nil
	})
}

// mailboxState returns UIDVALIDITY and the highest UID (0 when empty).
func mailboxState(c *imapclient.Client, mailbox string) (validity, last uint32, err error) {
	var st *imap.StatusData
	err = withTimeout(c, 30*time.Second, func() (err error) {
		st, err = c.Status(mailbox, &imap.StatusOptions{UIDValidity: true, UIDNext: true}).Wait()
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("status %s: %w", mailbox, err)
	}
	return st.UIDValidity, uint32(st.UIDNext) - 1, nil
}

// createMailbox creates an empty mailbox and returns its UIDVALIDITY and
// highest UID.
func createMailbox(addr, mailbox string) (validity, last uint32, err error) {
	c, err := dialIMAP(addr, nil)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	c.Create(mailbox, nil).Wait() // exists already: fine
	return mailboxState(c, mailbox)
}

// cleanups stops what the benchmark started, newest first, once.
type cleanups struct {
	fns []struct {
		name string
		fn   func() error
	}
}

func (c *cleanups) add(name string, fn func() error) {
	c.fns = append(c.fns, struct {
		name string
		fn   func() error
	}{name, fn})
}

func (c *cleanups) run() {
	for i := len(c.fns) - 1; i >= 0; i-- {
		if err := c.fns[i].fn(); err != nil {
			fmt.Fprintf(os.Stderr, "followupd-bench: stop %s: %v\n", c.fns[i].name, err)
		}
	}
	c.fns = nil
}
