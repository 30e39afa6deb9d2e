package testserver

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

var _ TB = (testing.TB)(nil)

func testMessage(subject string) []byte {
	return []byte(fmt.Sprintf("From: Ana <ana@customer.test>\r\nTo: shop@example.test\r\n"+
		"Subject: %s\r\nMessage-ID: <%d@customer.test>\r\n"+
		"Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n\r\nHello, %s.\r\n",
		subject, time.Now().UnixNano(), subject))
}

// existsWatcher collects the message counts of untagged EXISTS.
type existsWatcher chan uint32

func (w existsWatcher) handler() *imapclient.UnilateralDataHandler {
	return &imapclient.UnilateralDataHandler{Mailbox: func(d *imapclient.UnilateralDataMailbox) {
		if d.NumMessages != nil {
			select {
			case w <- *d.NumMessages:
			default:
			}
		}
	}}
}

// waitFor waits for an EXISTS announcing at least n messages.
func (w existsWatcher) waitFor(t *testing.T, n uint32, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case got := <-w:
			if got >= n {
				return
			}
		case <-timeout:
			t.Fatalf("no EXISTS %d within %v", n, d)
		}
	}
}

func dialIMAP(t *testing.T, addr, user, pass string, h *imapclient.UnilateralDataHandler) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, &imapclient.Options{UnilateralDataHandler: h})
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

// fetchUID selects mailbox and returns the full body of uid and the
// mailbox's UIDVALIDITY.
func fetchUID(t *testing.T, c *imapclient.Client, mailbox string, uid uint32) ([]byte, uint32) {
	t.Helper()
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		t.Fatalf("select %s: %v", mailbox, err)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(imap.UID(uid)), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatalf("uid fetch %d: %v", uid, err)
	}
	if len(msgs) != 1 {
		t.Fatalf("uid fetch %d in %s: got %d messages, want 1", uid, mailbox, len(msgs))
	}
	return msgs[0].FindBodySection(section), sel.UIDValidity
}

func assertSameMessage(t *testing.T, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("fetched message differs:\ngot  %q\nwant %q", got, want)
	}
}

func imapDial(addr string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
