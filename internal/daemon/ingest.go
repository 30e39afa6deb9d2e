package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/rules"
)

// sink is the daemon seen by the watcher: it records fetched mail.
type sink Daemon

// Checkpoint implements inbox.Sink.
func (s *sink) Checkpoint(ctx context.Context, mailbox string) (inbox.Checkpoint, bool, error) {
	cp, ok, err := s.store.Checkpoint(ctx, mailbox)
	return inbox.Checkpoint{UIDValidity: cp.UIDValidity, LastUID: cp.LastUID, HistoryBelow: cp.HistoryBelow}, ok, err
}

// decision is what happened to one message, logged after the commit.
type decision struct {
	uid      uint32
	customer string
	subject  string
	skip     string
	err      string
	dup      bool
	history  bool
	planned  []rules.Planned
}

// Deliver implements inbox.Sink: one transaction records every message of
// the batch, its customer and planned follow-ups, and the new checkpoint.
func (s *sink) Deliver(ctx context.Context, mailbox string, cp inbox.Checkpoint, msgs []inbox.Fetched) error {
	d := (*Daemon)(s)
	now := d.clock.Now().UTC()
	tx, err := d.store.Begin(ctx, now)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var decisions []decision
	for _, f := range msgs {
		dec, err := d.ingestOne(tx, mailbox, cp.UIDValidity, f)
		if err != nil {
			return err
		}
		decisions = append(decisions, dec)
	}
	if err := tx.SetCheckpoint(store.Checkpoint{Mailbox: mailbox, UIDValidity: cp.UIDValidity,
		LastUID: cp.LastUID, HistoryBelow: cp.HistoryBelow, Synced: now}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit ingest: %w", err)
	}
	planned := 0
	for _, dec := range decisions {
		d.logDecision(dec)
		planned += len(dec.planned)
	}
	if planned > 0 {
		d.kickDispatcher()
	}
	return nil
}

// ingestOne records one message inside tx. Only store errors are returned:
// a message that cannot be parsed is recorded with its reason.
func (d *Daemon) ingestOne(tx *store.Tx, mailbox string, validity uint32, f inbox.Fetched) (dec decision, err error) {
	dec = decision{uid: f.UID, history: f.History}
	rec := store.MessageRecord{Mailbox: mailbox, UIDValidity: validity, UID: f.UID, History: f.History}

	msg, perr := parseSafely(f.Raw)
	switch {
	case perr != nil:
		rec.Error = perr.Error()
	case f.TooBig:
		rec.Error = fmt.Sprintf("message too large: %d bytes (limit %d); left in the mailbox", f.Size, d.cfg.IMAP.MaxMessageSize)
	}
	rec.Key = messageKey(msg, f.Raw)
	if msg != nil {
		rec.HeaderMsgID, rec.Subject, rec.From, rec.Date = msg.MessageID, msg.Subject, msg.From.Key(), msg.Date
		dec.subject = msg.Subject
	}
	seen, err := tx.HasMessage(rec.Key)
	if err != nil {
		return dec, err
	}
	if seen {
		// The same message again (copied to another folder, or a mailbox
		// whose UIDVALIDITY changed): recorded once, answered once.
		dec.dup = true
		return dec, nil
	}
	if rec.Error != "" || msg == nil {
		dec.err = rec.Error
		_, err := tx.InsertMessage(rec)
		return dec, err
	}

	c := rules.Classify(msg, d.policy())
	rec.Category = c.Category
	if c.FromOwner {
		rec.Direction = "owner"
	}
	dec.customer = c.Customer.Key()
	if c.Skip != "" {
		rec.SkipReason = c.Skip
		dec.skip = c.Skip
		_, err := tx.InsertMessage(rec)
		return dec, err
	}
	cust, err := tx.TouchCustomer(c.Customer.Email, c.Customer.Name, tx.Now())
	if err != nil {
		return dec, err
	}
	rec.CustomerID = cust.ID
	id, err := tx.InsertMessage(rec)
	if err != nil {
		return dec, err
	}
	if f.History {
		return dec, nil // known now, but old mail starts nothing
	}
	for _, p := range rules.Plan(d.cfg.Sequences, c.Category, tx.Now()) {
		added, err := tx.PlanFollowup(store.NewFollowup{CustomerID: cust.ID, TriggerID: id,
			Sequence: p.Sequence, Step: p.Step, Template: p.Template, Recipient: p.Recipient, Due: p.Due})
		if err != nil {
			return dec, err
		}
		if added {
			dec.planned = append(dec.planned, p)
		}
	}
	return dec, nil
}

// parseSafely parses raw mail; a panic in the parser becomes an error for
// this message instead of taking the daemon down.
func parseSafely(raw []byte) (m *inbox.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("parser panic: %v\n%s", r, debug.Stack())
		}
	}()
	return inbox.ParseBytes(raw)
}

// messageKey identifies a message across folders and UIDVALIDITY changes:
// its Message-ID, or a hash of its bytes when it has none.
func messageKey(m *inbox.Message, raw []byte) string {
	if m != nil && m.MessageID != "" {
		return m.MessageID
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (d *Daemon) logDecision(dec decision) {
	attrs := []any{"uid", dec.uid, "customer", dec.customer}
	switch {
	case dec.dup:
		d.log.Info("message seen before; not ingested again", attrs...)
	case dec.err != "":
		d.log.Warn("message recorded as malformed; left in the mailbox", append(attrs, "reason", dec.err)...)
	case dec.skip != "":
		d.log.Info("message skipped", append(attrs, "reason", dec.skip)...)
	case dec.history:
		d.log.Info("message recorded as history (it was there before the first start)", attrs...)
	default:
		d.log.Info("message ingested", append(attrs, "planned", len(dec.planned))...)
		for _, p := range dec.planned {
			d.log.Log(context.Background(), slog.LevelInfo, "follow-up planned", "customer", dec.customer,
				"sequence", p.Sequence, "step", p.Step, "template", p.Template, "due", p.Due.Format("2006-01-02T15:04:05Z"))
		}
	}
}
