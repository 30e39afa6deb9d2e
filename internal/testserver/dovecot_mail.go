package testserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// login opens an IMAP session as the Dovecot user.
func (d *Dovecot) login() (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		return nil, fmt.Errorf("dial dovecot: %w", err)
	}
	if err := c.Login(d.user, d.pass).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("dovecot login: %w", err)
	}
	return c, nil
}

// Append stores raw in mailbox over IMAP as the user, so clients in IDLE
// are told about it (Dovecot announces it within about a second).
func (d *Dovecot) Append(mailbox string, raw []byte) error {
	c, err := d.login()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := appendMsg(c, mailbox, raw, nil); err != nil {
		return err
	}
	return c.Logout().Wait()
}

func appendMsg(c *imapclient.Client, mailbox string, raw []byte, opts *imap.AppendOptions) error {
	cmd := c.Append(mailbox, int64(len(raw)), opts)
	if _, err := cmd.Write(raw); err != nil {
		return fmt.Errorf("append to %s: %w", mailbox, err)
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("append to %s: %w", mailbox, err)
	}
	if _, err := cmd.Wait(); err != nil {
		return fmt.Errorf("append to %s: %w", mailbox, err)
	}
	return nil
}

// RecreateMailbox gives mailbox a new UIDVALIDITY while keeping its
// messages (with flags and internal dates; they get new UIDs), as happens
// when a mailbox is deleted and restored. Other mailboxes are deleted and
// re-created over IMAP. INBOX cannot be deleted, so for INBOX Dovecot is
// restarted with its UID list and indexes removed.
func (d *Dovecot) RecreateMailbox(name string) error {
	if strings.EqualFold(name, "INBOX") {
		return d.resetInbox()
	}
	c, err := d.login()
	if err != nil {
		return err
	}
	defer c.Close()
	sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", name, err)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	var msgs []*imapclient.FetchMessageBuffer
	if sel.NumMessages > 0 {
		msgs, err = c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
			Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section},
		}).Collect()
		if err != nil {
			return fmt.Errorf("fetch %s: %w", name, err)
		}
	}
	if err := c.Unselect().Wait(); err != nil {
		return err
	}
	if err := c.Delete(name).Wait(); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if err := c.Create(name, nil).Wait(); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	for _, m := range msgs {
		var flags []imap.Flag
		for _, f := range m.Flags {
			if !strings.EqualFold(string(f), `\Recent`) {
				flags = append(flags, f)
			}
		}
		body := m.FindBodySection(section)
		if err := appendMsg(c, name, body, &imap.AppendOptions{Flags: flags, Time: m.InternalDate}); err != nil {
			return err
		}
	}
	return c.Logout().Wait()
}

// resetInbox restarts Dovecot with INBOX's UID list and indexes removed,
// which makes Dovecot assign a new UIDVALIDITY and new UIDs.
func (d *Dovecot) resetInbox() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.stopLocked(); err != nil {
		return err
	}
	root := filepath.Join(d.dir, "mail", "Maildir")
	ents, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if n := e.Name(); n == "dovecot-uidlist" || strings.HasPrefix(n, "dovecot.index") {
			if err := os.Remove(filepath.Join(root, n)); err != nil {
				return err
			}
		}
	}
	// UIDVALIDITY is derived from the clock when no UID list exists;
	// make sure a second has passed since the old one was made.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	return d.start()
}

// NeedDovecot starts a Dovecot for a test in t.TempDir() with user
// "shop@example.test", password "secret", and stops it at cleanup. It
// skips the test when Dovecot is not installed, or fails it in CI.
func NeedDovecot(t TB) *Dovecot {
	t.Helper()
	if !DovecotAvailable() {
		Unavailable(t, "dovecot is not installed")
	}
	d, err := StartDovecot(t.TempDir(), "shop@example.test", "secret")
	if err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Logf("close dovecot: %v\n%s", err, d.LogTail())
		}
	})
	return d
}
