package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/inbox/authn"
	"github.com/followupd/followupd/internal/core"
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

// Synced implements inbox.Sink: the mailbox is up to date at time at.
func (s *sink) Synced(ctx context.Context, mailbox string, at time.Time) error {
	return s.store.SetSynced(ctx, mailbox, at)
}

// Deliver implements inbox.Sink: one transaction records every message of
// the batch, its customer, cases, feedback and planned follow-ups, and the
// new checkpoint. Decisions are logged after the commit.
func (s *sink) Deliver(ctx context.Context, mailbox string, cp inbox.Checkpoint, msgs []inbox.Fetched) error {
	d := (*Daemon)(s)
	now := d.clock.Now().UTC()
	// One policy for the whole batch, even if a reload lands meanwhile.
	ps := parseAll(ctx, msgs, d.cur.Load())
	notes, err := d.deliver(ctx, mailbox, cp, msgs, ps, now)
	if err != nil && ctx.Err() == nil && len(msgs) > 1 {
		// One message may be what fails: take them one by one, so the
		// rest are recorded and the mailbox does not stall on it.
		d.log.Warn("batch could not be recorded; retrying message by message", "err", err)
		notes = nil
		for i, f := range msgs {
			one := cp
			one.LastUID = f.UID
			n, err := d.deliverOne(ctx, mailbox, one, f, ps[i], now)
			if err != nil {
				return err
			}
			notes = append(notes, n...)
		}
		// The checkpoint may still need the batch's last UID (a message
		// expunged while fetched).
		_, err = d.deliver(ctx, mailbox, cp, nil, nil, now)
	}
	if err != nil {
		return err
	}
	planned := false
	for _, n := range notes {
		d.log.Info(n.msg, n.attrs...)
		planned = planned || n.planned
	}
	for _, f := range msgs {
		if !f.InternalDate.IsZero() && !f.History {
			d.metrics.ObserveIngestLatency(now.Sub(f.InternalDate))
		}
	}
	if planned {
		d.kickDispatcher()
	}
	return nil
}

// parsedMsg is a fetched message parsed and read ahead of its
// transaction.
type parsedMsg struct {
	msg     *inbox.Message
	err     error
	policy  *rules.Policy
	reading *rules.Reading
	dkim    []authn.Signature // verified when the reading asked
}

// parseAll parses and reads msgs on up to GOMAXPROCS goroutines. Parsing
// and reading the customer's words (rules.Read) are the costliest steps of
// recording a message and need no store, so they run on every core while
// the batch waits, and outside the transaction, which then holds the
// store's one connection (shared with the dispatchers) for less time.
// Owner mail that only its DKIM signature can verify is verified here
// too, against DNS, for the same reason.
func parseAll(ctx context.Context, msgs []inbox.Fetched, lv *Prepared) []parsedMsg {
	out := make([]parsedMsg, len(msgs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(msgs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					return
				}
				out[i] = parseOne(ctx, msgs[i].Raw, lv)
			}
		})
	}
	wg.Wait()
	return out
}

// parseOne parses and reads one message, and verifies its DKIM
// signatures when the reading asks for them.
func parseOne(ctx context.Context, raw []byte, lv *Prepared) parsedMsg {
	out := parsedMsg{policy: lv.policy}
	out.msg, out.err = parseSafely(raw)
	if out.err != nil {
		return out
	}
	out.reading = readSafely(lv.policy, out.msg)
	if out.reading.WantsDKIM() {
		out.dkim = authn.Verifier{Resolver: lv.cfg.Trust.DNSResolver}.Verify(ctx, raw)
	}
	return out
}

// deliver records msgs (parsed as ps) and the checkpoint in one transaction.
func (d *Daemon) deliver(ctx context.Context, mailbox string, cp inbox.Checkpoint, msgs []inbox.Fetched, ps []parsedMsg, now time.Time) ([]note, error) {
	var notes []note
	err := d.store.Update(ctx, now, func(tx *store.Tx) error {
		notes = notes[:0]
		for i, f := range msgs {
			in := &ingest{d: d, tx: tx, mailbox: mailbox, validity: cp.UIDValidity, f: f, p: ps[i]}
			if err := in.runSafe(); err != nil {
				return err
			}
			notes = append(notes, in.notes...)
		}
		return tx.SetCheckpoint(checkpointRecord(mailbox, cp, now))
	})
	return notes, err
}

// checkpointRecord is the watcher's checkpoint as the store keeps it,
// synced at now.
func checkpointRecord(mailbox string, cp inbox.Checkpoint, now time.Time) store.Checkpoint {
	return store.Checkpoint{Mailbox: mailbox, UIDValidity: cp.UIDValidity, LastUID: cp.LastUID, HistoryBelow: cp.HistoryBelow, Synced: now}
}

// deliverOne records one message; if even that fails, it records the
// message as one that could not be ingested, with the reason, and moves
// the checkpoint past it.
func (d *Daemon) deliverOne(ctx context.Context, mailbox string, cp inbox.Checkpoint, f inbox.Fetched, p parsedMsg, now time.Time) ([]note, error) {
	notes, err := d.deliver(ctx, mailbox, cp, []inbox.Fetched{f}, []parsedMsg{p}, now)
	if err == nil || ctx.Err() != nil {
		return notes, err
	}
	reason := "could not be ingested: " + err.Error()
	err = d.store.Update(ctx, now, func(tx *store.Tx) error {
		if _, err := tx.InsertMessage(store.MessageRecord{Mailbox: mailbox, UIDValidity: cp.UIDValidity, UID: f.UID,
			Key: fmt.Sprintf("uid:%d:%d:%s", cp.UIDValidity, f.UID, mailbox), Kind: core.KindMalformed, Error: reason, Arrived: f.InternalDate}); err != nil {
			return err
		}
		return tx.SetCheckpoint(checkpointRecord(mailbox, cp, now))
	})
	if err != nil {
		return nil, err
	}
	return []note{{msg: "message recorded as malformed; left in the mailbox", attrs: []any{"uid", f.UID, "reason", reason}}}, nil
}

// note is one decision to log once the transaction has committed.
type note struct {
	msg     string
	attrs   []any
	planned bool
}

// ingest records one fetched message inside a transaction.
type ingest struct {
	d        *Daemon
	tx       *store.Tx
	mailbox  string
	validity uint32
	f        inbox.Fetched
	p        parsedMsg // f parsed
	notes    []note
	rec      store.MessageRecord
	// approved says how the owner approved this unverified owner mail
	// (followupd approve); "" for mail as it arrives.
	approved string
}

func (in *ingest) note(msg string, attrs ...any) {
	in.notes = append(in.notes, note{msg: msg, attrs: append([]any{"uid", in.f.UID}, attrs...)})
}

// runSafe is run with a panic turned into an error for this message (and
// counted, so tests see it): one bad message must not stall the mailbox.
func (in *ingest) runSafe() (err error) {
	defer func() {
		if r := recover(); r != nil {
			in.d.panics.Add(1)
			in.d.log.Error("recovered from a panic while ingesting a message", "uid", in.f.UID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic while ingesting uid %d: %v", in.f.UID, r)
		}
	}()
	return in.run()
}

// run reads the message, asks rules what it means and does, and applies
// the answer. Only store errors are returned: a message that cannot be
// parsed is recorded with its reason.
func (in *ingest) run() error {
	f := in.f
	in.rec = store.MessageRecord{Mailbox: in.mailbox, UIDValidity: in.validity, UID: f.UID, History: f.History, Arrived: f.InternalDate}
	msg, perr := in.p.msg, in.p.err
	switch {
	case perr != nil:
		in.rec.Error = perr.Error()
	case f.TooBig:
		in.rec.Error = fmt.Sprintf("message too large: %d bytes (limit %d); left in the mailbox", f.Size, in.d.conf().IMAP.MaxMessageSize)
	}
	in.rec.Key = messageKey(msg, f.Raw)
	if in.approved != "" {
		// The mail is recorded already, as unverified: the approval is
		// recorded beside it.
		in.rec.Key = "approved:" + in.rec.Key
	}
	if msg != nil {
		in.rec.HeaderMsgID, in.rec.Subject, in.rec.From, in.rec.Date = msg.MessageID, msg.Subject, msg.From.Key(), msg.Date
	}
	if seen, err := in.tx.HasMessage(in.rec.Key); err != nil || seen {
		if seen {
			// The same message again (copied to another folder, or a mailbox
			// whose UIDVALIDITY changed): recorded once, answered once.
			in.note("message seen before; not ingested again", "message_id", in.rec.Key)
			in.d.metrics.Skipped("duplicate")
		}
		return err
	}
	if in.rec.Error != "" {
		in.rec.Kind = core.KindMalformed
		in.note("message recorded as malformed; left in the mailbox", "from", in.rec.From, "reason", in.rec.Error)
		in.d.metrics.Skipped("malformed")
		_, err := in.tx.InsertMessage(in.rec)
		return err
	}
	facts, err := in.facts(msg)
	if err != nil {
		return err
	}
	facts.Reading, facts.DKIM, facts.Approved = in.p.reading, in.p.dkim, in.approved
	dec, err := in.p.policy.Decide(msg, facts, known{in.tx})
	if err != nil {
		return err
	}
	return in.apply(dec)
}

// facts finds what the rules need to know about msg beyond its words:
// the follow-up it answers, the owner's conversation it continues, an
// unsubscribe token in its subject.
func (in *ingest) facts(msg *inbox.Message) (rules.Facts, error) {
	fs := rules.Facts{History: in.f.History, At: in.tx.Now(), Unsubscribe: in.unsubscribeToken(msg)}
	if ids := in.p.reading.Returned(); len(ids) > 0 {
		// A delivery failure report: of which follow-up, if any?
		bounced, err := in.tx.FollowupByMessageID(ids)
		if err != nil {
			return fs, err
		}
		fs.Bounced = bounced
	}
	refs := append(append([]string{}, msg.References...), msg.InReplyTo...)
	replied, err := in.tx.FollowupByMessageID(refs)
	if err != nil {
		return fs, err
	}
	if replied != nil {
		fs.Replied = replied
		in.rec.FollowupID = replied.ID
	} else if len(refs) > 0 {
		if fs.OwnerThread, err = in.tx.OwnerThread(refs); err != nil {
			return fs, err
		}
	}
	return fs, nil
}

// unsubscribeToken returns the address a List-Unsubscribe token in the
// subject ("unsubscribe <token>") names, whoever sent it; "" if none.
func (in *ingest) unsubscribeToken(m *inbox.Message) string {
	s := strings.TrimSpace(m.Subject)
	if len(s) < 12 || !strings.EqualFold(s[:11], "unsubscribe") {
		return ""
	}
	email, _ := in.d.unsub.Verify(strings.TrimSpace(s[11:]))
	return email
}

// known answers the rules' questions from the store, inside the
// message's transaction.
type known struct{ tx *store.Tx }

func (k known) Customer(email string) (core.Customer, bool, error) {
	c, err := k.tx.Customer(email)
	if errors.Is(err, store.ErrNotFound) {
		return c, false, nil
	}
	return c, err == nil, err
}

func (k known) OpenCase(id int64) (*core.Case, error)  { return k.tx.OpenCaseOf(id) }
func (k known) Forgotten(email string) (bool, error)   { return k.tx.Forgotten(email) }
func (k known) Latest(id int64) (*core.Contact, error) { return k.tx.Latest(id) }

// readSafely reads a message ahead of its transaction; a panic leaves it
// to be read (and the panic reported) inside it.
func readSafely(p *rules.Policy, m *inbox.Message) (r *rules.Reading) {
	defer func() {
		if recover() != nil {
			r = nil
		}
	}()
	return p.Read(m)
}

// parseSafely parses raw mail; a panic in the parser becomes an error for
// this message instead of taking the daemon down.
func parseSafely(raw []byte) (m *inbox.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("parser panic: %v\n%s", r, debug.Stack())
		}
	}()
	m, err = inbox.ParseBytes(raw)
	if err == nil && m == nil {
		err = errors.New("parser returned nothing")
	}
	return m, err
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

// excerpt cuts s to at most n bytes at a word boundary.
func excerpt(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := strings.ToValidUTF8(s[:n], "")
	if i := strings.LastIndexAny(cut, " \n"); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
