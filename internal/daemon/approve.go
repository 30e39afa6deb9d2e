package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/admin"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
)

// Approve applies mail from the owner's address that could not be
// verified, as the owner approves it (followupd approve ID): it is read
// and decided again, now as the owner's, and applied exactly as the daemon
// applies mail that arrives, beside the unverified record, which leaves
// the review list. It returns what was done, as the log says it.
func Approve(ctx context.Context, st *store.Store, cfg *config.Config, id int64, now time.Time) ([]string, error) {
	lv, err := Prepare(cfg)
	if err != nil {
		return nil, err
	}
	secret, err := st.SetMetaOnce(ctx, "unsubscribe_secret", randomHex(32))
	if err != nil {
		return nil, err
	}
	// The daemon's ingest, run once, on the store alone.
	d := &Daemon{store: st, log: slog.New(slog.DiscardHandler), metrics: admin.NewMetrics(),
		unsub: unsubscriber{secret: []byte(secret)}}
	d.cur.Store(lv)
	by := fmt.Sprintf("approved by the owner: followupd approve %d", id)
	var done []string
	err = st.Update(ctx, now, func(tx *store.Tx) error {
		done = done[:0]
		h, err := tx.HeldMail(id)
		if err != nil {
			return err
		}
		f := inbox.Fetched{UID: h.UID, Raw: h.Raw, InternalDate: h.Arrived}
		// Recorded beside the unverified record, under UIDVALIDITY 0,
		// which IMAP never gives a mailbox.
		in := &ingest{d: d, tx: tx, mailbox: h.Mailbox, validity: 0, f: f, p: parseOne(ctx, h.Raw, lv), approved: by}
		if err := in.runSafe(); err != nil {
			return err
		}
		for _, n := range in.notes {
			done = append(done, noteText(n))
		}
		return tx.Approved(id, in.rec.Key, "followupd approve")
	})
	return done, err
}

// noteText is a log note as one line of text.
func noteText(n note) string {
	var b strings.Builder
	b.WriteString(n.msg)
	for i := 0; i+1 < len(n.attrs); i += 2 {
		if k := fmt.Sprint(n.attrs[i]); k != "uid" {
			fmt.Fprintf(&b, " %s=%v", k, n.attrs[i+1])
		}
	}
	return b.String()
}

// ReleaseHeld lets follow-ups held by a limit go now, past the limits
// (followupd approve fID, or -held for every one): the owner says the
// addresses are real customers. It returns those released.
func ReleaseHeld(ctx context.Context, st *store.Store, ids []int64, all bool, now time.Time) ([]*core.Followup, error) {
	if all {
		held, err := st.HeldFollowups(ctx, 1_000_000)
		if err != nil {
			return nil, err
		}
		ids = ids[:0]
		for _, f := range held {
			ids = append(ids, f.ID)
		}
	}
	var out []*core.Followup
	err := st.Update(ctx, now, func(tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.ReleaseHeld(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		f, err := st.Followup(ctx, id)
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
	return out, nil
}
