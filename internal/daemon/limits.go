package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/rules"
	"github.com/followupd/followupd/templates"
)

// The limits that hold an attack: a follow-up held for the owner (too
// many new recipients in an hour) or rolled up (too many owner alerts)
// plans the hour's one surge alert to the owner; held ones expire after
// rules.HeldFor unless the owner releases them.

// hold records what a limit did to f and plans the surge alert.
func (d *Daemon) hold(ctx context.Context, log *slog.Logger, f *core.Followup, v rules.Verdict, now time.Time, lv *Prepared) {
	switch v.Action {
	case core.Hold:
		d.record(log, d.store.Hold(ctx, f.ID, now, v.Reason), "follow-up held for the owner", "reason", v.Reason)
	default:
		d.record(log, d.store.Skip(ctx, f.ID, v.Reason), "follow-up rolled into the owner's surge alert", "reason", v.Reason)
	}
	var alert core.Followup
	var added bool
	err := d.store.Update(ctx, now, func(tx *store.Tx) error {
		// One waiting to go will name this one too.
		if waiting, err := tx.Waiting(rules.SurgeSequence); err != nil || waiting {
			return err
		}
		last, err := tx.LastSent(rules.SurgeSequence)
		if err != nil {
			return err
		}
		alert = lv.policy.SurgeAlert(f, now, last)
		added, err = tx.PlanFollowup(alert)
		return err
	})
	switch {
	case err != nil:
		d.log.Error("plan the surge alert", "err", err)
	case added:
		d.log.Warn("a limit holds mail back: the owner is alerted", "template", alert.Template, "due", alert.Due.UTC().Format(time.RFC3339))
		d.kickDispatcher()
	}
}

// expireHeld records as expired what was held longer than rules.HeldFor.
func (d *Daemon) expireHeld(ctx context.Context, now time.Time) {
	fs, err := d.store.ExpireHeld(ctx, now.Add(-rules.HeldFor), fmt.Sprintf("expired: held %s for the owner, who did not release it", rules.HeldFor))
	if err != nil {
		d.log.Error("expire held follow-ups", "err", err)
	}
	for _, f := range fs {
		d.log.Info("held follow-up expired: never sent", "followup", f.ID, "customer", f.Customer.Email, "template", f.Template)
	}
}

// surgeItems is how many held and rolled-up follow-ups a surge alert names.
const surgeItems = 20

// surgeData is what the surge alert says: what the limits held back in
// the last hour.
func (d *Daemon) surgeData(ctx context.Context, f *core.Followup, now time.Time, lv *Prepared) (*templates.Surge, error) {
	// Since the previous alert, or an hour before this one was planned.
	since := f.TriggerTime.Add(-time.Hour)
	if last, err := d.store.LastSent(ctx, rules.SurgeSequence); err != nil {
		return nil, err
	} else if !last.IsZero() {
		since = last
	}
	s := &templates.Surge{Since: since, Limit: lv.cfg.Trust.NewRecipientsPerHour, AlertLimit: lv.cfg.Trust.OwnerAlertsPerHour}
	held, err := d.store.HeldFollowups(ctx, 10000)
	if err != nil {
		return nil, err
	}
	for _, f := range held {
		if f.NotBefore.Before(since) {
			continue
		}
		s.HeldCount++
		if len(s.Held) < surgeItems {
			s.Held = append(s.Held, surgeItem(f))
		}
	}
	rolled, err := d.store.RolledUpSince(ctx, since, 10000)
	if err != nil {
		return nil, err
	}
	s.RolledUpCount = len(rolled)
	for _, f := range rolled[:min(len(rolled), surgeItems)] {
		s.RolledUp = append(s.RolledUp, surgeItem(f))
	}
	return s, nil
}

func surgeItem(f *core.Followup) templates.SurgeItem {
	return templates.SurgeItem{ID: f.ID, Name: f.Customer.Name, Email: f.Customer.Email, Template: f.Template, Subject: f.Thread.Subject}
}

// retain applies [store] retention once a day: the customers' words,
// closed cases and unverified owner mail older than it are deleted.
func (d *Daemon) retain(ctx context.Context, now time.Time) {
	keep := d.conf().Store.Retention.Duration
	if keep <= 0 {
		return
	}
	var r store.Retained
	err := d.store.Update(ctx, now, func(tx *store.Tx) (err error) {
		r, err = tx.Retain(now.Add(-keep))
		return err
	})
	if err != nil {
		d.log.Error("retention", "err", err)
		return
	}
	if r.Excerpts+r.Cases+r.Held > 0 {
		d.log.Info("retention: old customer text deleted", "excerpts", r.Excerpts, "closed_cases", r.Cases, "held_owner_mail", r.Held,
			"older_than", keep.String())
	}
}
