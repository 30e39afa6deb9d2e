package inbox

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// maxBatch bounds one delivery: this many messages, or batchBytes.
const (
	firstBatch = 10
	maxBatch   = 100
	batchBytes = 32 << 20
)

// catchUp fetches every message above the checkpoint, in UID order and in
// batches, and hands each batch to the sink, which records it together with
// the advanced checkpoint. It returns the new checkpoint.
func (w *Watcher) catchUp(ctx context.Context, c *imapclient.Client, cp Checkpoint) (Checkpoint, error) {
	var set imap.UIDSet
	set.AddRange(imap.UID(cp.LastUID+1), 0) // LastUID+1:*
	infos, err := waitFor(w, c, func() ([]*imapclient.FetchMessageBuffer, error) {
		return c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
	})
	if err != nil {
		return cp, fmt.Errorf("list new messages: %w", err)
	}
	// "n:*" always matches the highest UID, even when it is below n.
	var fresh []*imapclient.FetchMessageBuffer
	for _, m := range infos {
		if uint32(m.UID) > cp.LastUID {
			fresh = append(fresh, m)
		}
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i].UID < fresh[j].UID })
	batches := w.batches(fresh)
	// The next batch is fetched while the sink records this one, so the
	// server and followupd work at the same time.
	type result struct {
		msgs []Fetched
		err  error
	}
	first := cp // the goroutines read this copy; the loop moves cp on
	prefetch := func(b []*imapclient.FetchMessageBuffer) <-chan result {
		ch := make(chan result, 1) // never blocks: an abandoned fetch just ends
		go func() {
			msgs, err := w.fetchBatch(c, b, first)
			ch <- result{msgs, err}
		}()
		return ch
	}
	var next <-chan result
	if len(batches) > 0 {
		next = prefetch(batches[0])
	}
	for i, batch := range batches {
		r := <-next
		if r.err != nil {
			return cp, r.err
		}
		if i+1 < len(batches) {
			next = prefetch(batches[i+1])
		}
		up := cp
		up.LastUID = uint32(batch[len(batch)-1].UID)
		if err := w.sink.Deliver(ctx, w.opts.Mailbox, up, r.msgs); err != nil {
			return cp, fmt.Errorf("record messages up to uid %d: %w", up.LastUID, err)
		}
		cp = up
	}
	return cp, nil
}

// batches cuts the new messages into delivery batches: at most limit
// messages and batchBytes, the limit starting small and doubling, so
// that after a restart the first batch commits quickly (a process that
// keeps being killed still makes progress).
func (w *Watcher) batches(fresh []*imapclient.FetchMessageBuffer) [][]*imapclient.FetchMessageBuffer {
	var out [][]*imapclient.FetchMessageBuffer
	limit := firstBatch
	for len(fresh) > 0 {
		n, bytes := 0, int64(0)
		for n < len(fresh) && n < limit && (n == 0 || bytes+min(fresh[n].RFC822Size, w.opts.MaxSize) <= batchBytes) {
			bytes += min(fresh[n].RFC822Size, w.opts.MaxSize)
			n++
		}
		out = append(out, fresh[:n])
		fresh = fresh[n:]
		limit = min(limit*2, maxBatch)
	}
	return out
}

// fetchBatch fetches the bodies of one batch: whole messages with
// BODY.PEEK[] (never setting \Seen), only the header of oversized ones.
// MaxHeaderFetch bounds the header fetched of a message too big to fetch
// whole.
const MaxHeaderFetch = 256 << 10

func (w *Watcher) fetchBatch(c *imapclient.Client, batch []*imapclient.FetchMessageBuffer, cp Checkpoint) ([]Fetched, error) {
	var whole, big imap.UIDSet
	for _, m := range batch {
		if m.RFC822Size > w.opts.MaxSize {
			big.AddNum(m.UID)
		} else {
			whole.AddNum(m.UID)
		}
	}
	bodies := map[imap.UID][]byte{}
	full := &imap.FetchItemBodySection{Peek: true}
	// The header of a message too big to fetch, at most MaxHeaderFetch
	// of it: a header can be as big as the sender likes.
	header := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader, Partial: &imap.SectionPartial{Size: MaxHeaderFetch}}
	for _, part := range []struct {
		set     imap.UIDSet
		section *imap.FetchItemBodySection
	}{{whole, full}, {big, header}} {
		if len(part.set) == 0 {
			continue
		}
		bufs, err := waitFor(w, c, func() ([]*imapclient.FetchMessageBuffer, error) {
			return c.Fetch(part.set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{part.section}}).Collect()
		})
		if err != nil {
			return nil, fmt.Errorf("fetch messages: %w", err)
		}
		for _, b := range bufs {
			bodies[b.UID] = b.FindBodySection(part.section)
		}
	}
	var out []Fetched
	for _, m := range batch {
		raw, ok := bodies[m.UID]
		if !ok {
			// Expunged between listing and fetching: nothing to record.
			w.log.Info("message vanished before it could be fetched", "uid", m.UID)
			continue
		}
		out = append(out, Fetched{
			UID:          uint32(m.UID),
			Raw:          raw,
			Size:         m.RFC822Size,
			InternalDate: m.InternalDate,
			TooBig:       m.RFC822Size > w.opts.MaxSize,
			History:      uint32(m.UID) < cp.HistoryBelow,
		})
	}
	return out, nil
}

// waitForMail returns when the server may have new mail: a notice during
// IDLE, the refresh timer, or the poll interval. It returns ctx.Err() when
// ctx ends and an error when the connection fails or hangs.
func (w *Watcher) waitForMail(ctx context.Context, c *imapclient.Client, newMail <-chan struct{}) error {
	if w.opts.NoIdle || !hasIdle(c) {
		t := time.NewTimer(w.opts.PollInterval)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.Closed():
			return fmt.Errorf("connection closed")
		case <-newMail:
		case <-t.C:
		}
		_, err := waitFor(w, c, func() (struct{}, error) { return struct{}{}, c.Noop().Wait() })
		return err
	}
	idle, err := c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	refresh := time.NewTimer(w.opts.IdleRefresh)
	defer refresh.Stop()
	var cause error
	select {
	case <-ctx.Done():
		cause = ctx.Err()
	case <-c.Closed():
		return fmt.Errorf("connection closed during idle")
	case <-newMail:
	case <-refresh.C:
	}
	// Leave IDLE; a server that does not answer DONE is hung.
	if _, err := waitFor(w, c, func() (struct{}, error) {
		if err := idle.Close(); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, idle.Wait()
	}); err != nil {
		return fmt.Errorf("end idle: %w", err)
	}
	return cause
}
