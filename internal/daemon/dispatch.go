package daemon

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/mail"
	"time"

	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/mailer"
	"github.com/followupd/followupd/rules"
	"github.com/followupd/followupd/templates"
)

const (
	maxIdleSleep = time.Hour // re-check the queue at least this often
	maxAttempts  = 8         // temporary failures before giving up
)

// dispatchLoop sends every ready follow-up, then sleeps until the next one
// is due or new work is planned (kick), until ctx ends.
func (d *Daemon) dispatchLoop(ctx context.Context) {
	for ctx.Err() == nil {
		for ctx.Err() == nil {
			f, err := d.store.ClaimReady(ctx, d.clock.Now(), d.newMessageID)
			if err != nil {
				if ctx.Err() == nil {
					d.log.Error("claim follow-up", "err", err)
				}
				break
			}
			if f == nil {
				break
			}
			d.send(ctx, f)
		}
		sleep := maxIdleSleep
		if at, ok, err := d.store.NextReady(ctx); err == nil && ok {
			sleep = min(max(at.Sub(d.clock.Now()), 0), maxIdleSleep)
		}
		// Times are stored to the second: wait past the due second.
		if sleep < maxIdleSleep {
			sleep += time.Second - time.Duration(d.clock.Now().Nanosecond())
		}
		select {
		case <-ctx.Done():
		case <-d.kick:
		case <-d.clock.After(sleep):
		}
	}
}

// send delivers one claimed follow-up and records the outcome. The claim
// (attempt and Message-ID) was committed before; a crash from here on
// leaves it "sending", which the next start turns into "in doubt".
func (d *Daemon) send(ctx context.Context, f *store.Followup) {
	log := d.log.With("followup", f.ID, "customer", f.Customer.Email, "sequence", f.Sequence, "step", f.Step, "template", f.Template)
	// The SMTP exchange in flight may finish during shutdown, within the grace period.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.Grace+d.cfg.SMTP.Timeout.Duration)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(d.opts.Grace, cancel)
		context.AfterFunc(sctx, func() { t.Stop() })
	})
	defer stop()

	now := d.clock.Now()
	if f.Recipient == "customer" {
		switch {
		case !f.Customer.OptedOut.IsZero():
			d.record(log, d.store.Cancel(sctx, f.ID, "customer opted out"), "follow-up cancelled: customer opted out")
			return
		case !f.Customer.Bouncing.IsZero():
			d.record(log, d.store.Cancel(sctx, f.ID, "address bounces"), "follow-up cancelled: address bounces")
			return
		}
		if next := rules.NextAllowed(now, d.cfg.Business.SendWindows, d.cfg.Business.Location); next.After(now) {
			d.record(log, d.store.Reschedule(sctx, f.ID, next, "outside send_hours"), "follow-up waits for the sending window", "at", next.UTC().Format(time.RFC3339))
			return
		}
	}
	to := &mail.Address{Name: f.Customer.Name, Address: f.Customer.Email}
	if f.Recipient == "owner" {
		to = &mail.Address{Name: d.cfg.Business.OwnerName, Address: d.cfg.Business.OwnerEmail}
	}
	r, err := d.tmpl.Render(f.Template, d.templateData(f))
	if err != nil {
		d.record(log, d.store.MarkFailed(sctx, f.ID, "template: "+err.Error()), "follow-up failed: template error", "err", err)
		return
	}
	m := &mailer.Mail{
		From: d.from, To: to, Subject: r.Subject, Text: r.Text,
		MessageID: f.SMTPMessageID, InReplyTo: f.TriggerMsgID, Date: now,
		AutoSubmitted: "auto-generated",
	}
	if f.Recipient == "owner" {
		m.InReplyTo = ""
	}
	err = d.mail.Send(sctx, m)
	var merr *mailer.Error
	switch {
	case err == nil:
		d.record(log, d.store.MarkSent(sctx, f.ID, d.clock.Now()), "follow-up sent", "to", to.Address, "message_id", f.SMTPMessageID)
	case errors.As(err, &merr) && merr.InDoubt():
		d.record(log, d.store.MarkDoubt(sctx, f.ID, err.Error()), "follow-up in doubt: connection lost after the message was sent", "err", err)
	case errors.As(err, &merr) && merr.Permanent:
		d.record(log, d.store.MarkFailed(sctx, f.ID, err.Error()), "follow-up failed permanently", "err", err)
	case f.Attempts >= maxAttempts:
		d.record(log, d.store.MarkFailed(sctx, f.ID, fmt.Sprintf("gave up after %d attempts: %v", f.Attempts, err)), "follow-up failed: too many attempts", "err", err)
	default:
		next := d.clock.Now().Add(retryDelay(f.Attempts))
		d.record(log, d.store.Reschedule(sctx, f.ID, next, err.Error()), "follow-up send failed; will retry", "err", err, "at", next.UTC().Format(time.RFC3339))
	}
}

// retryDelay is the wait after the n-th failed attempt: 1m, 2m, 4m, ...
// capped at 2h, jittered 0.5–1.5×.
func retryDelay(n int) time.Duration {
	d := time.Minute << min(max(n-1, 0), 7)
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

func (d *Daemon) templateData(f *store.Followup) templates.Data {
	c := f.Customer
	return templates.Data{
		Customer: templates.Customer{
			Name: c.Name, FirstName: templates.FirstName(c.Name), Email: c.Email,
			FirstTime: c.Contacts <= 1 && c.Purchases == 0, Repeat: c.Contacts > 1 || c.Purchases > 0,
			VIP: c.VIP, Contacts: c.Contacts, Purchases: c.Purchases,
		},
		Business: templates.Business{Name: d.cfg.Business.Name, OwnerName: d.cfg.Business.OwnerName, OwnerEmail: d.cfg.Business.OwnerEmail},
		Message:  templates.Message{Subject: f.TriggerSubject, Date: f.TriggerDate},
	}
}
