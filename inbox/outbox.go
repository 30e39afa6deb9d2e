package inbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Outbox is a second IMAP connection, to the folder where sent mail is
// kept: followupd appends every follow-up it sends there (so the owner sees
// it in their mail client) and looks there by Message-ID to settle sends a
// crash interrupted. It reconnects on demand and is safe for concurrent use.
type Outbox struct {
	w *Watcher // for its connection settings and watchdog

	mu      sync.Mutex
	c       *imapclient.Client
	mailbox string // resolved folder name
	want    string // configured name, "" = find the \Sent folder
}

// ErrNoSentFolder is returned when no Sent folder can be found.
var ErrNoSentFolder = errors.New("no Sent folder on the IMAP server")

// NewOutbox returns an Outbox for opts' server. mailbox names the folder;
// "" finds it: the folder marked \Sent (RFC 6154), else a folder named
// Sent, Sent Items, Sent Messages or INBOX.Sent.
func NewOutbox(opts Options, mailbox string) *Outbox {
	return &Outbox{w: NewWatcher(opts, nil), want: mailbox}
}

// Mailbox returns the folder in use, once found ("" before).
func (o *Outbox) Mailbox() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.mailbox
}

// client returns a logged-in connection with the folder found.
func (o *Outbox) client(ctx context.Context) (*imapclient.Client, error) {
	if o.c != nil {
		select {
		case <-o.c.Closed():
			o.c = nil
		default:
			return o.c, nil
		}
	}
	c, err := o.w.connect(ctx, make(chan struct{}, 1))
	if err != nil {
		return nil, err
	}
	if o.mailbox == "" {
		name, err := o.find(c)
		if err != nil {
			c.Close()
			return nil, err
		}
		o.mailbox = name
	}
	o.c = c
	return c, nil
}

func (o *Outbox) find(c *imapclient.Client) (string, error) {
	if o.want != "" {
		return o.want, nil
	}
	opts := &imap.ListOptions{}
	if c.Caps().Has(imap.CapSpecialUse) {
		opts.ReturnSpecialUse = true
	}
	list, err := waitFor(o.w, c, func() ([]*imap.ListData, error) { return c.List("", "*", opts).Collect() })
	if err != nil {
		return "", fmt.Errorf("list folders: %w", err)
	}
	names := map[string]string{}
	for _, l := range list {
		for _, a := range l.Attrs {
			if a == imap.MailboxAttrSent {
				return l.Mailbox, nil
			}
		}
		names[strings.ToLower(l.Mailbox)] = l.Mailbox
	}
	for _, n := range []string{"sent", "sent items", "sent messages", "inbox.sent", "inbox/sent", "sent mail"} {
		if name, ok := names[n]; ok {
			return name, nil
		}
	}
	return "", ErrNoSentFolder
}

// Append stores raw in the folder, marked \Seen, dated at.
func (o *Outbox) Append(ctx context.Context, raw []byte, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	_, err = waitFor(o.w, c, func() (*imap.AppendData, error) {
		cmd := c.Append(o.mailbox, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: at})
		if _, err := cmd.Write(raw); err != nil {
			cmd.Close()
			return nil, err
		}
		if err := cmd.Close(); err != nil {
			return nil, err
		}
		return cmd.Wait()
	})
	if err != nil {
		o.drop()
		return fmt.Errorf("append to %s: %w", o.mailbox, err)
	}
	return nil
}

// Has reports whether a message with this Message-ID (no brackets) is in
// the folder.
func (o *Outbox) Has(ctx context.Context, messageID string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, err := o.client(ctx)
	if err != nil {
		return false, err
	}
	if _, err := waitFor(o.w, c, func() (*imap.SelectData, error) {
		return c.Select(o.mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	}); err != nil {
		o.drop()
		return false, fmt.Errorf("examine %s: %w", o.mailbox, err)
	}
	data, err := waitFor(o.w, c, func() (*imap.SearchData, error) {
		return c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: messageID}}}, nil).Wait()
	})
	if err != nil {
		o.drop()
		return false, fmt.Errorf("search %s: %w", o.mailbox, err)
	}
	uids := data.AllUIDs()
	if len(uids) == 0 {
		return false, nil
	}
	// SEARCH HEADER matches substrings: confirm the exact id.
	var set imap.UIDSet
	set.AddNum(uids...)
	hdr := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}}
	bufs, err := waitFor(o.w, c, func() ([]*imapclient.FetchMessageBuffer, error) {
		return c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{hdr}}).Collect()
	})
	if err != nil {
		o.drop()
		return false, fmt.Errorf("fetch from %s: %w", o.mailbox, err)
	}
	want := []byte("<" + messageID + ">")
	for _, b := range bufs {
		if bytes.Contains(b.FindBodySection(hdr), want) {
			return true, nil
		}
	}
	return false, nil
}

func (o *Outbox) drop() {
	if o.c != nil {
		o.c.Close()
		o.c = nil
	}
}

// Close logs out.
func (o *Outbox) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.c != nil {
		o.w.logout(o.c)
		o.c = nil
	}
}
