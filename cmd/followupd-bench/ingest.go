package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/store"
)

// bareFetch is the practical limit of ingest: one connection, one
// `UID FETCH 1:* BODY.PEEK[]` streamed through inbox.Parse, nothing
// stored. It returns how many messages it parsed and the time from dial
// to the last parse.
func bareFetch(addr, mailbox string, limit time.Duration) (int, time.Duration, error) {
	start := time.Now()
	c, err := dialIMAP(addr, nil)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	watchdog := time.AfterFunc(limit, func() { c.Close() })
	defer watchdog.Stop()
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, 0, fmt.Errorf("select %s: %w", mailbox, err)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	n := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			body, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || body.Literal == nil {
				continue
			}
			if _, err := inbox.Parse(body.Literal, 0); err != nil && !errors.Is(err, inbox.ErrNoHeader) {
				return n, 0, fmt.Errorf("parse: %w", err)
			}
			n++
		}
	}
	if err := cmd.Close(); err != nil {
		return n, 0, fmt.Errorf("fetch: %w", err)
	}
	d := time.Since(start)
	c.Logout().Wait()
	return n, d, nil
}

// ingestResult is one daemon's catch-up over a mailbox.
type ingestResult struct {
	n       int           // messages recorded
	elapsed time.Duration // from starting the daemon to the last message recorded
	peakRSS int64         // the daemon's VmHWM in bytes; -1 in-process
	stats   store.Stats
}

// daemonIngest starts followupd on dc.mailbox, whose UIDVALIDITY and
// highest UID are validity and last, against a store that seed prepared
// (nil: empty) and that holds the mailbox's checkpoint at UID 0, as a
// first sync of the empty mailbox would have left it: every message counts
// as new mail. It waits (bounded by limit) until the checkpoint reaches
// last.
func daemonIngest(ctx context.Context, bin string, dc daemonConf, validity, last uint32,
	seed func(*store.Store) error, limit time.Duration) (ingestResult, error) {
	var res ingestResult
	if err := dc.write(); err != nil {
		return res, err
	}
	st, err := store.Open(ctx, dc.dbPath())
	if err != nil {
		return res, err
	}
	defer st.Close()
	if seed != nil {
		if err := seed(st); err != nil {
			return res, err
		}
	}
	if err := setCheckpoint(ctx, st, dc.mailbox, validity, 0); err != nil {
		return res, err
	}
	before, err := st.Stats(ctx)
	if err != nil {
		return res, err
	}
	start := time.Now()
	p, err := startDaemon(bin, dc)
	if err != nil {
		return res, err
	}
	defer p.stop()
	if err := waitCheckpoint(ctx, st, p, dc.mailbox, last, limit); err != nil {
		return res, err
	}
	res.elapsed = time.Since(start)
	if res.peakRSS, err = p.peakRSS(); err != nil {
		return res, err
	}
	if err := p.stop(); err != nil {
		return res, err
	}
	if res.stats, err = st.Stats(ctx); err != nil {
		return res, err
	}
	res.n = res.stats.Messages - before.Messages
	return res, nil
}

func setCheckpoint(ctx context.Context, st *store.Store, mailbox string, validity, last uint32) error {
	return st.Update(ctx, time.Now(), func(tx *store.Tx) error {
		return tx.SetCheckpoint(store.Checkpoint{Mailbox: mailbox, UIDValidity: validity, LastUID: last, Synced: time.Now()})
	})
}

// waitCheckpoint polls the store every 10 ms until the mailbox's
// checkpoint reaches uid, the daemon exits, ctx ends or limit passes.
func waitCheckpoint(ctx context.Context, st *store.Store, p *proc, mailbox string, uid uint32, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		cp, _, err := st.Checkpoint(ctx, mailbox)
		if err != nil {
			return err
		}
		if cp.LastUID >= uid {
			return nil
		}
		if err := p.exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("followupd recorded up to UID %d of %d in %s within %v; log:\n%s", cp.LastUID, uid, mailbox, limit, tail(p.log, 10))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
