package testserver

import (
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// idleFallback bounds how long an IDLE session can miss an update whose
// kick it did not get (none are expected; this is a safety net).
const idleFallback = time.Second

// kicker wakes every IDLE session when a mailbox changes.
type kicker struct {
	ch chan chan struct{} // holds the current broadcast channel
}

func newKicker() *kicker {
	k := &kicker{ch: make(chan chan struct{}, 1)}
	k.ch <- make(chan struct{})
	return k
}

// wait returns a channel that is closed at the next kick.
func (k *kicker) wait() <-chan struct{} {
	c := <-k.ch
	k.ch <- c
	return c
}

func (k *kicker) kick() {
	c := <-k.ch
	close(c)
	k.ch <- make(chan struct{})
}

// idleSession wraps an imapmemserver session with an IDLE that cannot miss
// an update. imapserver (v2.0.0-beta.8) sends "+ idling" before the
// session registers for updates, so an Append made just after the client
// saw the continuation is only announced at the next update. Here IDLE
// polls the session, then sleeps until a kick (any change made through
// IMAP.Append or a mutating command) and polls again.
type idleSession struct {
	imapserver.SessionIMAP4rev2
	k *kicker
}

func (s idleSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	t := time.NewTicker(idleFallback)
	defer t.Stop()
	for {
		kicked := s.k.wait()
		if err := s.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-kicked:
		case <-t.C:
		}
	}
}

func (s idleSession) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	defer s.k.kick()
	return s.SessionIMAP4rev2.Append(mailbox, r, options)
}

func (s idleSession) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	defer s.k.kick()
	return s.SessionIMAP4rev2.Expunge(w, uids)
}

func (s idleSession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	defer s.k.kick()
	return s.SessionIMAP4rev2.Store(w, numSet, flags, options)
}

func (s idleSession) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	defer s.k.kick()
	return s.SessionIMAP4rev2.Copy(numSet, dest)
}

func (s idleSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	defer s.k.kick()
	return s.SessionIMAP4rev2.Move(w, numSet, dest)
}
