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
	ps := parseAll(msgs)
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

// parsedMsg is a fetched message parsed ahead of its transaction.
type parsedMsg struct {
	msg *inbox.Message
	err error
}

// parseAll parses msgs on up to GOMAXPROCS goroutines. Parsing is the
// costliest step of recording a message that needs no store, so it runs
// on every core while the batch waits, and outside the transaction, which
// then holds the store's one connection (shared with the dispatchers) for
// less time.
func parseAll(msgs []inbox.Fetched) []parsedMsg {
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
				out[i].msg, out[i].err = parseSafely(msgs[i].Raw)
			}
		})
	}
	wg.Wait()
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
			Key: fmt.Sprintf("uid:%d:%d:%s", cp.UIDValidity, f.UID, mailbox), Kind: "malformed", Error: reason, Arrived: f.InternalDate}); err != nil {
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

// run classifies and records the message. Only store errors are returned:
// a message that cannot be parsed is recorded with its reason.
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
		in.rec.Kind = "malformed"
		in.note("message recorded as malformed; left in the mailbox", "from", in.rec.From, "reason", in.rec.Error)
		in.d.metrics.Skipped("malformed")
		_, err := in.tx.InsertMessage(in.rec)
		return err
	}
	if done, err := in.unsubscribeToken(msg); done || err != nil {
		return err
	}
	refs := append(append([]string{}, msg.References...), msg.InReplyTo...)
	ref, err := in.tx.FollowupByMessageID(refs)
	if err != nil {
		return err
	}
	var rref *rules.Ref
	if ref != nil {
		rref = &rules.Ref{Template: ref.Template, Sequence: ref.Sequence}
		in.rec.FollowupID = ref.ID
	} else if len(refs) > 0 {
		// An answer to the owner's own (Bcc'd) reply continues their
		// conversation: a reply, not a new contact to thank.
		owner, err := in.tx.OwnerThread(refs)
		if err != nil {
			return err
		}
		if owner {
			rref = &rules.Ref{Sequence: "the owner's conversation"}
		}
	}
	// One rule set for both, even if a reload lands in between.
	cl := in.d.classifier()
	dec := cl.Classify(msg, in.firstTime, rref)
	dec.Tags = append(dec.Tags, cl.RuleTags(msg, dec)...)
	in.rec.Kind, in.rec.Category, in.rec.Rule, in.rec.Tags = dec.Kind, dec.Category, dec.Rule, dec.Tags
	in.rec.SkipReason, in.rec.Review = dec.Skip, dec.Review
	in.rec.Excerpt = excerpt(dec.Text, 1000)
	in.d.metrics.Ingested(dec.Kind)

	switch dec.Kind {
	case rules.KindBounce:
		return in.bounce(dec)
	case rules.KindOwnerReply, rules.KindOwnerCommand:
		return in.owner(dec)
	case rules.KindCustomer, rules.KindReply, rules.KindForward:
		if dec.Skip == "" || dec.Kind == rules.KindForward {
			return in.customer(dec)
		}
	}
	if dec.Review {
		in.note("forward kept for the owner's review: its original sender could not be found", "from", in.rec.From, "subject", in.rec.Subject)
	} else {
		in.note("message skipped", "from", in.rec.From, "reason", dec.Skip)
		in.d.metrics.Skipped(dec.Skip)
	}
	_, err = in.tx.InsertMessage(in.rec)
	return err
}

func (in *ingest) firstTime(email string) bool {
	c, err := in.tx.Customer(email)
	return err != nil || c.Contacts == 0 && c.Purchases == 0 // never wrote, never bought
}

// customer records mail a customer wrote (directly, as a reply, or
// forwarded by the owner) and plans what it starts.
func (in *ingest) customer(dec rules.Decision) error {
	now := in.tx.Now()
	email := dec.Customer.Key()
	c, err := in.tx.TouchCustomer(email, dec.Customer.Name, now, true)
	if err != nil {
		return err
	}
	firstTime := c.FirstTime() // this message is their first contact
	in.rec.CustomerID = c.ID
	if dec.Kind == rules.KindForward {
		in.rec.HeaderMsgID, in.rec.Subject = dec.ThreadID, dec.Subject
	}
	id, err := in.tx.InsertMessage(in.rec)
	if err != nil {
		return err
	}
	attrs := []any{"customer", email, "kind", dec.Kind, "category", dec.Category, "rule", dec.Rule}
	if len(dec.Tags) > 0 {
		attrs = append(attrs, "tags", strings.Join(dec.Tags, " "))
	}
	if dec.Category == "purchase" {
		if err := in.tx.AddPurchase(c.ID); err != nil {
			return err
		}
	}
	if dec.Has(rules.TagVIP) {
		if err := in.tx.SetVIP(c.ID); err != nil {
			return err
		}
	}
	if in.f.History {
		in.note("message recorded as history (it was there before the first start)", attrs...)
		return nil
	}
	if dec.Skip != "" { // #ignore on a forward
		in.note("message skipped", append(attrs, "reason", dec.Skip)...)
		return nil
	}
	if err := in.tx.NoteInbound(c.ID, id); err != nil {
		return err
	}
	// Whatever the customer writes stops the sequences that stop on a reply.
	if n, err := in.tx.CancelOnReply(c.ID, id); err != nil {
		return err
	} else if n > 0 {
		in.note("pending follow-ups cancelled: the customer wrote again", "customer", email, "cancelled", n)
	}
	if dec.OptOut {
		why := "asked to stop"
		if dec.Has(rules.TagStop) {
			why = "owner tagged #stop"
		}
		n, err := in.tx.OptOut(email, why)
		in.note("customer opted out: nothing more will be sent", "customer", email, "reason", why, "cancelled", n)
		in.d.metrics.Skipped("opt-out")
		return err
	}
	if dec.Has(rules.TagResolved) {
		if err := in.resolve(c, "tag"); err != nil {
			return err
		}
	}
	event := dec.Category
	if dec.Feedback {
		if _, err := in.tx.AddFeedback(store.Feedback{CustomerID: c.ID, MessageID: id, FollowupID: in.rec.FollowupID,
			Rating: dec.Rating, Text: excerpt(dec.Text, 2000)}); err != nil {
			return err
		}
		in.note("feedback recorded", "customer", email, "rating", dec.Rating)
		if dec.Rating > 0 && dec.Rating <= 2 {
			event = "complaint" // a low rating is a complaint in all but name
		} else {
			event = "" // thanking for feedback is the owner's to do
		}
	} else if dec.Kind == rules.KindReply && event != "complaint" {
		// A customer answering a follow-up is a conversation, not a new
		// contact: it stops the sequence but starts nothing new.
		event = ""
	}
	in.note("message ingested", attrs...)
	if event == "" || dec.Has(rules.TagResolved) && event != "complaint" {
		return nil
	}
	var caseID int64
	if event == "complaint" {
		k, opened, err := in.tx.OpenCase(c.ID, id, dec.Subject)
		if err != nil {
			return err
		}
		if !opened {
			in.note("complaint joins the open case; no new apology", "customer", email, "case", k.ID)
			return nil
		}
		caseID = k.ID
		in.note("complaint case opened", "customer", email, "case", k.ID)
	}
	return in.plan(store.NewFollowup{TriggerKey: fmt.Sprintf("m:%d", id), Event: event,
		TriggerTime: now, TriggerSeq: id, ThreadID: id, CaseID: caseID, FirstTime: firstTime}, c)
}

// plan records the follow-ups an event starts for customer c and notes
// them; base holds everything but the step.
func (in *ingest) plan(base store.NewFollowup, c store.Customer) error {
	added, blocked, err := planEvent(in.tx, in.d.conf().Sequences, base, c)
	for _, p := range blocked {
		in.note("follow-up not planned: "+reachable(c), "customer", c.Email, "sequence", p.Sequence, "step", p.Step, "template", p.Template)
	}
	for _, p := range added {
		in.notes = append(in.notes, note{msg: "follow-up planned", planned: true, attrs: []any{"customer", c.Email,
			"sequence", p.Sequence, "step", p.Step, "template", p.Template, "to", p.Recipient,
			"due", p.Due.UTC().Format(time.RFC3339)}})
	}
	return err
}

// resolve closes the customer's open case and plans the "resolved" event.
func (in *ingest) resolve(c store.Customer, by string) error {
	email := c.Email
	k, err := in.tx.ResolveCase(c.ID, by)
	if err != nil || k == nil {
		if k == nil && err == nil {
			in.note("#resolved, but the customer has no open case", "customer", email)
		}
		return err
	}
	in.note("case resolved", "customer", email, "case", k.ID, "by", by)
	return in.plan(resolvedEvent(k, in.tx.Now()), c)
}

// owner records the owner's Bcc'd reply or command: the owner answered,
// and the tags act on each customer named.
func (in *ingest) owner(dec rules.Decision) error {
	now := in.tx.Now()
	var custs []store.Customer
	for _, t := range dec.Targets {
		c, err := in.tx.TouchCustomer(t.Key(), t.Name, now, false)
		if err != nil {
			return err
		}
		custs = append(custs, c)
	}
	in.rec.CustomerID = custs[0].ID
	seq, err := in.tx.InsertMessage(in.rec)
	if err != nil {
		return err
	}
	for _, c := range custs {
		if dec.Kind == rules.KindOwnerReply {
			if err := in.tx.OwnerAnswered(c.ID, seq); err != nil {
				return err
			}
			in.note("the owner answered the customer (Bcc)", "customer", c.Email)
		}
		if err := in.ownerTags(dec, c); err != nil {
			return err
		}
	}
	return nil
}

func (in *ingest) ownerTags(dec rules.Decision, c store.Customer) error {
	customerID, email := c.ID, c.Email
	if dec.Has(rules.TagResolved) {
		if err := in.tx.OwnerAnswered(customerID, 0); err != nil {
			return err
		}
		by := "tag"
		if dec.Kind == rules.KindOwnerReply {
			by = "owner-reply"
		}
		if err := in.resolve(c, by); err != nil {
			return err
		}
	}
	if dec.Has(rules.TagStop) {
		n, err := in.tx.OptOut(email, "owner tagged #stop")
		if err != nil {
			return err
		}
		in.note("customer opted out by the owner", "customer", email, "cancelled", n)
	}
	if dec.Has(rules.TagVIP) {
		if err := in.tx.SetVIP(customerID); err != nil {
			return err
		}
		in.note("customer marked VIP", "customer", email)
	}
	if dec.Has(rules.TagPurchase) {
		return in.tx.AddPurchase(customerID)
	}
	return nil
}

// bounce marks permanently failed recipients as bouncing.
func (in *ingest) bounce(dec rules.Decision) error {
	for _, r := range dec.Bounce.Recipients {
		if !r.Permanent {
			in.note("delivery delayed; nothing changes", "customer", r.Email, "status", r.Status)
			continue
		}
		why := strings.TrimSpace(r.Status + " " + r.Diagnostic)
		n, err := in.tx.MarkBouncing(r.Email, why)
		if err != nil {
			return err
		}
		in.note("address bounces: nothing more will be sent to it", "customer", r.Email, "reason", why, "cancelled", n)
	}
	_, err := in.tx.InsertMessage(in.rec)
	return err
}

// unsubscribeToken opts out the address named by a List-Unsubscribe
// token in the subject ("unsubscribe <token>"), whoever sent it.
func (in *ingest) unsubscribeToken(m *inbox.Message) (bool, error) {
	s := strings.TrimSpace(m.Subject)
	if len(s) < 12 || !strings.EqualFold(s[:11], "unsubscribe") {
		return false, nil
	}
	email, ok := in.d.unsub.Verify(strings.TrimSpace(s[11:]))
	if !ok {
		return false, nil
	}
	n, err := in.tx.OptOut(email, "List-Unsubscribe")
	if err != nil {
		return true, err
	}
	in.rec.Kind, in.rec.SkipReason = "optout", "unsubscribe request"
	if c, err := in.tx.Customer(email); err == nil {
		in.rec.CustomerID = c.ID
	}
	in.note("customer opted out (List-Unsubscribe)", "customer", email, "cancelled", n)
	in.d.metrics.Skipped("opt-out")
	_, err = in.tx.InsertMessage(in.rec)
	return true, err
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
