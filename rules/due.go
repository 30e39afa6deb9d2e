package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
)

// DueFacts are what the store knows that a due follow-up's fate depends on.
type DueFacts struct {
	// OpenCase is the customer's open complaint, if any; Case is the
	// follow-up's own case (resolved or not), else the open one.
	OpenCase *core.Case
	Case     *core.Case
	// SentToday counts the customer emails sent since local midnight
	// (read only when a daily cap is set).
	SentToday int
	// NewRecipients counts the addresses first written to in the last
	// hour; OwnerAlerts the mail sent to the owner in the last hour (read
	// only when those limits are set).
	NewRecipients int
	OwnerAlerts   int
}

// Verdict is what to do with a due follow-up, and in which language.
type Verdict struct {
	Action core.Action
	Until  time.Time // for Wait
	Reason string
	// Lang is the language to write it in: the customer's for customer
	// mail (the owner's while theirs is not known), the owner's for the
	// owner's.
	Lang core.Lang
	// Surge: a limit held it or rolled it up; the owner is told once an
	// hour (Policy.SurgeAlert).
	Surge bool
}

// openCaseRecheck is how often a follow-up held back by an open complaint
// is looked at again (resolving the case also wakes it).
const openCaseRecheck = 6 * time.Hour

// DecideDue decides whether follow-up f, due, may be sent at now.
func (p *Policy) DecideDue(f *core.Followup, d DueFacts, now time.Time) Verdict {
	v := p.decideDue(f, d, now)
	v.Lang = p.lang
	if f.Recipient == core.ToCustomer && f.Customer.Language != "" {
		v.Lang = f.Customer.Language
	}
	return v
}

func (p *Policy) decideDue(f *core.Followup, d DueFacts, now time.Time) Verdict {
	l := p.limits
	c := f.Customer
	customer := f.Recipient != core.ToOwner
	if customer {
		switch {
		case !c.OptedOut.IsZero():
			return Verdict{Action: core.Cancel, Reason: "the customer opted out"}
		case !c.Bouncing.IsZero():
			return Verdict{Action: core.Cancel, Reason: "the address bounces"}
		case f.StopOnReply && c.InboundSeq > f.TriggerSeq:
			return Verdict{Action: core.Cancel, Reason: "the customer replied"}
		}
	}
	for _, cond := range f.Conditions {
		if ok, why := condition(cond, f, d); !ok {
			return Verdict{Action: core.Skip, Reason: fmt.Sprintf("condition %s did not hold: %s", cond, why)}
		}
	}
	if l.MaxLate > 0 && now.Sub(f.Due) > l.MaxLate {
		return Verdict{Action: core.Skip, Reason: fmt.Sprintf("too late: due %s, more than %s ago", f.Due.UTC().Format(time.RFC3339), config.FormatDuration(l.MaxLate))}
	}
	if !customer {
		if l.OwnerAlertsPerHour > 0 && d.OwnerAlerts >= l.OwnerAlertsPerHour && !f.Released && f.Sequence != SurgeSequence {
			return Verdict{Action: core.Skip, Surge: true, Reason: fmt.Sprintf("%s %d owner alerts sent in the last hour (owner_alerts_per_hour): rolled into one alert", RolledUp, d.OwnerAlerts)}
		}
		return Verdict{Action: core.Send}
	}
	if l.NewPerHour > 0 && c.NewRecipient() && !f.Released && d.NewRecipients >= l.NewPerHour {
		// A flood of first contacts is how a shop is made a spam relay:
		// what goes beyond the limit waits for the owner, never for time.
		return Verdict{Action: core.Hold, Surge: true, Reason: fmt.Sprintf("held: %d new addresses written to in the last hour (new_recipients_per_hour); "+
			"followupd approve releases it, else it expires after %s", d.NewRecipients, config.FormatDuration(HeldFor))}
	}
	if d.OpenCase != nil && !f.Event.CaseMail() {
		return Verdict{Action: core.Wait, Until: now.Add(openCaseRecheck), Reason: "open complaint case: no thank-you, check-in or feedback request until it is resolved"}
	}
	if l.MinGap > 0 && f.Event != core.EventComplaint && !c.LastAuto.IsZero() && now.Before(c.LastAuto.Add(l.MinGap)) {
		return Verdict{Action: core.Wait, Until: c.LastAuto.Add(l.MinGap), Reason: fmt.Sprintf("min_gap: the customer got an automatic email less than %s ago", config.FormatDuration(l.MinGap))}
	}
	if l.DailyCap > 0 && d.SentToday >= l.DailyCap {
		return Verdict{Action: core.Wait, Until: NextAllowed(nextMidnight(now, l.Loc), l.Windows, l.Loc, l.Holidays), Reason: fmt.Sprintf("daily_cap of %d reached", l.DailyCap)}
	}
	if next := NextAllowed(now, l.Windows, l.Loc, l.Holidays); next.After(now) {
		return Verdict{Action: core.Wait, Until: next, Reason: "outside send_hours or on a holiday"}
	}
	return Verdict{Action: core.Send}
}

// HeldFor is how long a follow-up held by a limit waits for the owner
// before it expires.
const HeldFor = 24 * time.Hour

// RolledUp starts the reason of an owner alert rolled into the surge alert.
const RolledUp = "rolled up:"

// SurgeSequence and SurgeTemplate name the alert that tells the owner a
// limit held mail back; SurgeDelay is how long after the first it goes,
// so that it names more than the first.
const (
	SurgeSequence = "followupd-limits"
	SurgeTemplate = "owner-surge"
	SurgeDelay    = 10 * time.Minute
)

// SurgeAlert is the alert to the owner about what the limits hold back,
// planned on behalf of f (a follow-up a limit held or rolled up) at now,
// when none waits to go; last is when the previous one was sent (zero if
// never). It goes SurgeDelay after the first hold, so that it names more
// than one, and never within an hour of the previous one: the owner gets
// at most one an hour.
func (p *Policy) SurgeAlert(f *core.Followup, now, last time.Time) core.Followup {
	due := now.Add(SurgeDelay)
	if next := last.Add(time.Hour); due.Before(next) {
		due = next
	}
	return core.Followup{CustomerID: f.Customer.ID, TriggerKey: fmt.Sprintf("s:%d", due.UTC().Truncate(time.Hour).Unix()), Event: f.Event,
		TriggerTime: now, Sequence: SurgeSequence, Template: SurgeTemplate, Recipient: core.ToOwner, Due: due}
}

// SendAt is when a follow-up due at due would go, by the sending windows
// and holidays alone (what `followupd plan` shows).
func (p *Policy) SendAt(f core.Followup) time.Time {
	if f.Recipient == core.ToOwner {
		return f.Due
	}
	return NextAllowed(f.Due, p.limits.Windows, p.limits.Loc, p.limits.Holidays)
}

func condition(c core.Condition, f *core.Followup, d DueFacts) (bool, string) {
	switch c {
	case core.IfFirstTime:
		return f.FirstTime, "the customer had written or bought before"
	case core.IfRepeat:
		return !f.FirstTime, "it was the customer's first contact"
	case core.IfVIP:
		return f.Customer.VIP, "the customer is not a VIP"
	case core.IfNoReply:
		return f.Customer.InboundSeq <= f.TriggerSeq, "the customer wrote since"
	case core.IfOwnerSilent:
		if d.Case != nil && !d.Case.Open() {
			return false, "the case was resolved"
		}
		return f.Customer.OwnerSeq <= f.TriggerSeq, "the owner answered"
	case core.IfCaseOpen:
		return d.Case != nil && d.Case.Open(), "no open case"
	case core.IfCaseResolved:
		return d.Case != nil && !d.Case.Open(), "the case is not resolved"
	}
	return false, "unknown condition " + strings.TrimSpace(string(c))
}

func nextMidnight(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// Midnight returns the start of t's day in loc.
func Midnight(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
