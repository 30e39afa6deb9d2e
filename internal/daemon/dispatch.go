package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/mail"
	"net/url"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/mailer"
	"github.com/followupd/followupd/rules"
)

// claimBatch is how many ready follow-ups one claim transaction takes.
const claimBatch = 16

// release gives back claimed follow-ups not sent because we are stopping.
func (d *Daemon) release(fs []*core.Followup) {
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	if err := d.store.Release(context.Background(), ids); err != nil {
		d.log.Error("give back claimed follow-ups", "err", err)
	}
}

// pollEvery bounds the dispatcher's sleep: work planned by another
// process (the CLI's resolve, retry, cancel) is seen within this time.
const pollEvery = 2 * time.Second

// dispatchLoop is dispatcher part.N of part.Of, each sending over its
// own SMTP connection (smtp.connections). It sends every ready follow-up
// of its customers (store.Part: a customer's are all in one part), then
// sleeps until the next is due, new work is planned (kick) or pollEvery
// passes, until ctx ends. Dispatcher 0 also runs the quiet scan and the
// digest.
func (d *Daemon) dispatchLoop(ctx context.Context, part store.Part) {
	var lastQuiet, lastRetention time.Time
	for ctx.Err() == nil {
		// The wake-up is an absolute deadline from the top of the loop: if
		// the clock moves on while this iteration works, it wakes at once.
		start := d.clock.Now()
		if part.N == 0 {
			if start.Sub(lastQuiet) >= quietScanEvery {
				lastQuiet = start
				d.scanQuiet(ctx, start)
				d.expireHeld(ctx, start)
			}
			if start.Sub(lastRetention) >= 24*time.Hour {
				lastRetention = start
				d.retain(ctx, start)
			}
			d.maybeSendDigest(ctx, start)
		}
		for ctx.Err() == nil {
			// Claim a few at a time: one transaction instead of one each.
			fs, err := d.store.ClaimReadyBatch(ctx, d.clock.Now(), claimBatch, part, d.newMessageID)
			if err != nil {
				if ctx.Err() == nil {
					d.log.Error("claim follow-ups", "err", err)
				}
				break
			}
			if len(fs) == 0 {
				break
			}
			// The gate reads the customer as the claim found them, so a
			// batch sends at most one follow-up per customer; the others go
			// back and are claimed afresh, after this one is recorded (or
			// min_gap could be passed twice on the same snapshot).
			seen := map[int64]bool{}
			var first, later []*core.Followup
			for _, f := range fs {
				if seen[f.Customer.ID] {
					later = append(later, f)
					continue
				}
				seen[f.Customer.ID] = true
				first = append(first, f)
			}
			var unsent []*core.Followup
			if d.live().policy.Limits().Counted() {
				// One at a time: the limits count before each send.
				for i, f := range first {
					if ctx.Err() != nil {
						unsent = first[i:]
						break
					}
					d.dispatch(ctx, f)
				}
			} else {
				unsent = d.dispatchBatch(ctx, first)
			}
			if rest := append(later, unsent...); len(rest) > 0 {
				d.release(rest)
			}
		}
		wake := start.Add(pollEvery)
		if at, ok, err := d.store.NextReadyIn(ctx, part); err == nil && ok {
			// Times are stored to the second and claims compare whole
			// seconds, so waking at the due second is enough.
			if at.Before(wake) {
				wake = at
			}
		}
		select {
		case <-ctx.Done():
		case <-d.kicks[part.N]:
		case <-d.clock.After(wake.Sub(d.clock.Now())):
		}
	}
}

// sendContext is the context sends run under: an SMTP exchange in flight
// may finish during shutdown, within the grace period, after ctx ends.
func (d *Daemon) sendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(d.opts.Grace, cancel)
		context.AfterFunc(sctx, func() { t.Stop() })
	})
	return sctx, func() { stop(); cancel() }
}

// dispatch gates one claimed follow-up and, if it may go, sends it and
// records the outcome. The claim (attempt and Message-ID) was committed
// before; a crash from here on leaves it "sending", which the next start
// settles (sent again before the final dot, else the Sent folder or "in
// doubt").
func (d *Daemon) dispatch(ctx context.Context, f *core.Followup) {
	lv := d.live()
	sctx, cancel := d.sendContext(ctx)
	defer cancel()
	if lv.policy.Limits().Counted() {
		// The limits count what all dispatchers sent: one at a time from
		// the count to the record, or two could take the last place.
		d.capMu.Lock()
		defer d.capMu.Unlock()
	}
	o := d.prepare(sctx, f, lv)
	if o == nil {
		return
	}
	d.finish(sctx, o, d.mail.Send(sctx, o.m), lv)
}

// dispatchBatch sends fs (at most one per customer) as one SMTP batch,
// each envelope pipelined behind the dot before. It returns the ones not
// attempted because ctx ended or the connection was lost; none of them
// reached DATA, and the caller gives them back.
func (d *Daemon) dispatchBatch(ctx context.Context, fs []*core.Followup) (unsent []*core.Followup) {
	lv := d.live()
	sctx, cancel := d.sendContext(ctx)
	defer cancel()
	var outs []*outgoing
	var mails []*mailer.Mail
	for i, f := range fs {
		if ctx.Err() != nil {
			unsent = fs[i:]
			break
		}
		if o := d.prepare(sctx, f, lv); o != nil {
			outs, mails = append(outs, o), append(mails, o.m)
		}
	}
	if ctx.Err() != nil {
		// Stopping: nothing new is started.
		for _, o := range outs {
			unsent = append(unsent, o.f)
		}
		return unsent
	}
	n := d.mail.SendBatch(sctx, mails, func(i int, err error) bool {
		d.finish(sctx, outs[i], err, lv)
		return ctx.Err() == nil
	})
	for _, o := range outs[n:] {
		unsent = append(unsent, o.f)
	}
	return unsent
}

// outgoing is a follow-up that passed its gate, rendered and built.
type outgoing struct {
	f       *core.Followup
	m       *mailer.Mail
	variant string
	now     time.Time
	log     *slog.Logger
}

// prepare gates f and renders it. It records every outcome but sending
// (cancelled, skipped, made to wait, a template error) and then returns
// nil.
func (d *Daemon) prepare(sctx context.Context, f *core.Followup, lv *Prepared) *outgoing {
	log := d.log.With("followup", f.ID, "customer", f.Customer.Email, "sequence", f.Sequence, "step", f.Step, "template", f.Template)
	now := d.clock.Now()
	v, k, err := d.due(sctx, f, now, lv)
	if err != nil {
		d.record(log, d.store.Wait(sctx, f.ID, now.Add(time.Minute), "store error: "+err.Error()), "follow-up held: could not read its state", "err", err)
		return nil
	}
	switch v.Action {
	case core.Cancel:
		d.record(log, d.store.Cancel(sctx, f.ID, v.Reason), "follow-up cancelled", "reason", v.Reason)
		return nil
	case core.Skip:
		if !v.Surge {
			d.record(log, d.store.Skip(sctx, f.ID, v.Reason), "follow-up skipped", "reason", v.Reason)
			return nil
		}
	case core.Wait:
		d.record(log, d.store.Wait(sctx, f.ID, v.Until, v.Reason), "follow-up waits", "reason", v.Reason, "until", v.Until.UTC().Format(time.RFC3339))
		return nil
	}
	if v.Surge || v.Action == core.Hold {
		d.hold(sctx, log, f, v, now, lv)
		return nil
	}

	var seen []string
	if lv.tmpl.Variants(f.Template, v.Lang) > 1 {
		seen, err = d.store.Variants(sctx, f.Customer.ID, f.Template)
	}
	if err != nil {
		d.record(log, d.store.Wait(sctx, f.ID, now.Add(time.Minute), "store error: "+err.Error()), "follow-up held: could not read its variants", "err", err)
		return nil
	}
	data := d.templateData(f, k, now, lv)
	if f.Template == rules.SurgeTemplate && f.Sequence == rules.SurgeSequence {
		if data.Surge, err = d.surgeData(sctx, f, now, lv); err != nil {
			d.record(log, d.store.Wait(sctx, f.ID, now.Add(time.Minute), "store error: "+err.Error()), "follow-up held: could not read what the limits held", "err", err)
			return nil
		}
	}
	r, err := lv.tmpl.Render(f.Template, v.Lang, data, seen)
	if err != nil {
		d.record(log, d.store.MarkFailed(sctx, f.ID, "template: "+err.Error()), "follow-up failed: template error", "err", err)
		d.metrics.Failed(f.Template, true)
		return nil
	}
	m := &mailer.Mail{
		From: lv.from, To: d.recipient(f, lv), Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		MessageID: f.SMTPMessageID, Date: now, AutoSubmitted: lv.cfg.SMTP.AutoSubmitted,
	}
	if lv.cfg.SMTP.ReplyTo != "" {
		m.ReplyTo, _ = mail.ParseAddress(lv.cfg.SMTP.ReplyTo)
	}
	if f.Recipient == core.ToCustomer {
		m.InReplyTo = f.Thread.MessageID
		m.UnsubscribeMailto, m.UnsubscribeURL = d.unsubscribeLinks(f.Customer.Email, lv)
	}
	m.BeforeDot = func() error { return d.store.MarkDot(sctx, f.ID, d.clock.Now()) }
	return &outgoing{f: f, m: m, variant: r.Variant, now: now, log: log}
}

// finish records how sending o went: err is what the mailer said.
func (d *Daemon) finish(sctx context.Context, o *outgoing, err error, lv *Prepared) {
	f, m, log, now := o.f, o.m, o.log, o.now
	var merr *mailer.Error
	switch {
	case err == nil:
		// Record it first: a crash while copying to Sent then costs at
		// most the copy, never an "in doubt" for mail that went out.
		d.record(log, d.store.MarkSent(sctx, f.ID, d.clock.Now(), o.variant), "follow-up sent", "to", m.To.Address, "message_id", f.SMTPMessageID, "variant", o.variant)
		d.metrics.Sent(f.Template)
		d.metrics.ObserveSendLatency(d.clock.Now().Sub(f.Due))
		d.saveSent(sctx, log, m)
	case errors.As(err, &merr) && merr.Config:
		// A configuration problem (bad password, certificate, token) fails
		// every send alike: hold the queue instead of failing it, and say so.
		next := d.clock.Now().Add(5 * time.Minute)
		d.record(log, d.store.Wait(sctx, f.ID, next, "SMTP configuration problem: "+err.Error()), "follow-up held: fix the SMTP settings (then reload)", "err", err, "at", next.UTC().Format(time.RFC3339))
		d.log.Error("SMTP configuration problem: sending is held until it is fixed", "err", err)
	case errors.As(err, &merr) && merr.InDoubt():
		d.record(log, d.store.MarkDoubt(sctx, f.ID, err.Error()), "follow-up in doubt: the connection was lost after the message was sent", "err", err)
		d.metrics.InDoubt()
	case errors.As(err, &merr) && merr.Permanent:
		d.record(log, d.store.MarkFailed(sctx, f.ID, err.Error()), "follow-up failed permanently", "err", err)
		d.metrics.Failed(f.Template, true)
		if merr.Recipient && f.Recipient == core.ToCustomer {
			d.markBouncing(sctx, log, f.Customer.Email, err.Error())
		}
	case f.Attempts >= lv.cfg.SMTP.MaxAttempts || now.Sub(f.Due) > lv.cfg.SMTP.MaxRetryAge.Duration:
		d.record(log, d.store.MarkFailed(sctx, f.ID, fmt.Sprintf("gave up after %d attempts: %v", f.Attempts, err)), "follow-up failed: retries exhausted", "err", err)
		d.metrics.Failed(f.Template, false)
	default:
		next := d.clock.Now().Add(retryDelay(f.Attempts, lv.cfg.SMTP.RetryFirst.Duration))
		d.record(log, d.store.Reschedule(sctx, f.ID, next, err.Error()), "follow-up send failed; will retry", "err", err, "at", next.UTC().Format(time.RFC3339))
		d.metrics.Failed(f.Template, false)
	}
}

// due reads what the fate of due follow-up f depends on and asks rules.
// It returns the verdict and f's case, if any.
func (d *Daemon) due(ctx context.Context, f *core.Followup, now time.Time, lv *Prepared) (rules.Verdict, *core.Case, error) {
	var facts rules.DueFacts
	open, err := d.store.OpenCaseOf(ctx, f.Customer.ID)
	if err != nil {
		return rules.Verdict{}, nil, err
	}
	facts.OpenCase, facts.Case = open, open
	if f.CaseID != 0 && (open == nil || open.ID != f.CaseID) {
		if facts.Case, err = d.store.Case(ctx, f.CaseID); err != nil {
			return rules.Verdict{}, nil, err
		}
	}
	l := lv.policy.Limits()
	if f.Recipient == core.ToCustomer && l.DailyCap > 0 {
		if facts.SentToday, err = d.store.SentSince(ctx, rules.Midnight(now, l.Loc)); err != nil {
			return rules.Verdict{}, nil, err
		}
	}
	if f.Recipient == core.ToCustomer && l.NewPerHour > 0 && f.Customer.NewRecipient() {
		if facts.NewRecipients, err = d.store.NewRecipientsSince(ctx, now.Add(-time.Hour)); err != nil {
			return rules.Verdict{}, nil, err
		}
	}
	if f.Recipient == core.ToOwner && l.OwnerAlertsPerHour > 0 {
		if facts.OwnerAlerts, err = d.store.OwnerSentSince(ctx, now.Add(-time.Hour)); err != nil {
			return rules.Verdict{}, nil, err
		}
	}
	return lv.policy.DecideDue(f, facts, now), facts.Case, nil
}

func (d *Daemon) recipient(f *core.Followup, lv *Prepared) *mail.Address {
	if f.Recipient == core.ToOwner {
		return &mail.Address{Name: lv.cfg.Business.OwnerName, Address: lv.cfg.Business.OwnerEmail}
	}
	return &mail.Address{Name: f.Customer.Name, Address: f.Customer.Email}
}

// unsubscribeLinks returns the List-Unsubscribe mailto: (to our own
// address, with a token followupd recognises) and, if configured, URL.
func (d *Daemon) unsubscribeLinks(email string, lv *Prepared) (mailto, link string) {
	tok := d.unsub.Token(email)
	mailto = "mailto:" + lv.from.Address + "?subject=" + url.PathEscape("unsubscribe "+tok)
	if u := lv.cfg.SMTP.UnsubscribeURL; u != "" {
		pu, err := url.Parse(u)
		if err == nil {
			q := pu.Query()
			q.Set("token", tok)
			pu.RawQuery = q.Encode()
			link = pu.String()
		}
	}
	return mailto, link
}

// saveSent appends what was sent to the Sent folder. A failure is logged
// and does not undo the send.
func (d *Daemon) saveSent(ctx context.Context, log interface{ Warn(string, ...any) }, m *mailer.Mail) {
	if d.outbox == nil || d.noSentFolder.Load() || !d.conf().SMTP.SavesSent() {
		return
	}
	raw, err := d.mail.Build(m)
	if err == nil {
		err = d.outbox.Append(ctx, raw, m.Date)
	}
	if errors.Is(err, inbox.ErrNoSentFolder) {
		if !d.noSentFolder.Swap(true) {
			log.Warn("the IMAP server has no Sent folder: sent follow-ups are not saved (set smtp.sent_mailbox, or save_sent = false)")
		}
		return
	}
	if err != nil {
		log.Warn("could not save the follow-up in the Sent folder", "err", err)
	}
}

func (d *Daemon) markBouncing(ctx context.Context, log interface{ Info(string, ...any) }, email, why string) {
	var n int
	err := d.store.Update(ctx, d.clock.Now(), func(tx *store.Tx) (err error) {
		n, err = tx.MarkBouncing(email, why)
		return err
	})
	if err != nil {
		d.log.Error("mark bouncing", "customer", email, "err", err)
		return
	}
	log.Info("address refused by the SMTP server: marked as bouncing", "cancelled", n)
}

// retryDelay is the wait after the n-th failed attempt: first (smtp.retry_first,
// 1m by default), then doubling, capped at 2h, jittered 0.5–1.5×.
func retryDelay(n int, first time.Duration) time.Duration {
	if first <= 0 {
		first = time.Minute
	}
	d := first << min(max(n-1, 0), 7)
	d = min(d, 2*time.Hour)
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// record logs the outcome, or the store error that kept it from being recorded.
func (d *Daemon) record(log interface {
	Info(string, ...any)
	Error(string, ...any)
}, err error, msg string, attrs ...any) {
	if err != nil {
		log.Error("could not record follow-up outcome", append(attrs, "outcome", msg, "err", err)...)
		return
	}
	log.Info(msg, attrs...)
}
