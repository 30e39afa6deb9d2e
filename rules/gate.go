package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
)

// Actions a gate can take on a due follow-up.
const (
	Send   = "send"
	Wait   = "wait"   // not now: try again at Until
	Skip   = "skip"   // not at all: a condition did not hold, or it is too late
	Cancel = "cancel" // not at all: the customer opted out, bounces or replied
)

// Limits are the owner's sending limits.
type Limits struct {
	Windows  []config.Window
	Loc      *time.Location
	Holidays map[string]bool // "2006-01-02" in Loc
	MinGap   time.Duration
	DailyCap int
	MaxLate  time.Duration
}

// LimitsFrom reads the limits from the business config.
func LimitsFrom(b config.Business) Limits {
	return Limits{Windows: b.SendWindows, Loc: b.Location, Holidays: b.HolidaySet,
		MinGap: b.MinGap.Duration, DailyCap: b.DailyCap, MaxLate: b.MaxLate.Duration}
}

// Due is a follow-up that fell due, with what the gate must know about it.
type Due struct {
	Recipient   string // customer | owner
	Event       string // the event that started its sequence
	Conditions  []string
	StopOnReply bool
	FirstTime   bool // the customer was first-time at the trigger
	TriggerTime time.Time
	TriggerSeq  int64 // "since the trigger" means a message id above this
	Due         time.Time

	OptedOut    bool
	Bouncing    bool
	VIP         bool
	LastInbound time.Time // the customer last wrote
	LastOwner   time.Time // the owner last answered them
	LastAuto    time.Time // followupd last sent them something
	InboundSeq  int64     // the id of the newest message the customer wrote
	OwnerSeq    int64     // the id of the newest message by which the owner answered

	Case      *CaseState // the follow-up's case, or the customer's latest
	OpenCase  bool       // the customer has a complaint open
	SentToday int        // customer emails sent since local midnight
}

// CaseState is a case as the gate sees it.
type CaseState struct {
	Open     bool
	Resolved time.Time
}

// Verdict is what to do with a due follow-up.
type Verdict struct {
	Action string
	Until  time.Time // for Wait
	Reason string
}

// openCaseRecheck is how often a follow-up held back by an open complaint
// is looked at again (resolving the case also wakes it).
const openCaseRecheck = 6 * time.Hour

// Gate decides whether a due follow-up may be sent at now.
func Gate(f Due, now time.Time, l Limits) Verdict {
	customer := f.Recipient != "owner"
	if customer {
		switch {
		case f.OptedOut:
			return Verdict{Action: Cancel, Reason: "the customer opted out"}
		case f.Bouncing:
			return Verdict{Action: Cancel, Reason: "the address bounces"}
		case f.StopOnReply && f.InboundSeq > f.TriggerSeq:
			return Verdict{Action: Cancel, Reason: "the customer replied"}
		}
	}
	for _, c := range f.Conditions {
		if ok, why := condition(c, f); !ok {
			return Verdict{Action: Skip, Reason: fmt.Sprintf("condition %s did not hold: %s", c, why)}
		}
	}
	if l.MaxLate > 0 && now.Sub(f.Due) > l.MaxLate {
		return Verdict{Action: Skip, Reason: fmt.Sprintf("too late: due %s, more than %s ago", f.Due.UTC().Format(time.RFC3339), config.FormatDuration(l.MaxLate))}
	}
	if !customer {
		return Verdict{Action: Send}
	}
	caseMail := f.Event == "complaint" || f.Event == "resolved"
	if f.OpenCase && !caseMail {
		return Verdict{Action: Wait, Until: now.Add(openCaseRecheck), Reason: "open complaint case: no thank-you, check-in or feedback request until it is resolved"}
	}
	if l.MinGap > 0 && f.Event != "complaint" && !f.LastAuto.IsZero() && now.Before(f.LastAuto.Add(l.MinGap)) {
		return Verdict{Action: Wait, Until: f.LastAuto.Add(l.MinGap), Reason: fmt.Sprintf("min_gap: the customer got an automatic email less than %s ago", config.FormatDuration(l.MinGap))}
	}
	if l.DailyCap > 0 && f.SentToday >= l.DailyCap {
		return Verdict{Action: Wait, Until: NextAllowed(nextMidnight(now, l.Loc), l.Windows, l.Loc, l.Holidays), Reason: fmt.Sprintf("daily_cap of %d reached", l.DailyCap)}
	}
	if next := NextAllowed(now, l.Windows, l.Loc, l.Holidays); next.After(now) {
		return Verdict{Action: Wait, Until: next, Reason: "outside send_hours or on a holiday"}
	}
	return Verdict{Action: Send}
}

func condition(c string, f Due) (bool, string) {
	switch c {
	case "first-time":
		return f.FirstTime, "the customer had written or bought before"
	case "repeat":
		return !f.FirstTime, "it was the customer's first contact"
	case "vip":
		return f.VIP, "the customer is not a VIP"
	case "no-reply":
		return f.InboundSeq <= f.TriggerSeq, "the customer wrote since"
	case "owner-silent":
		if f.Case != nil && !f.Case.Open {
			return false, "the case was resolved"
		}
		return f.OwnerSeq <= f.TriggerSeq, "the owner answered"
	case "case-open":
		return f.Case != nil && f.Case.Open, "no open case"
	case "case-resolved":
		return f.Case != nil && !f.Case.Open, "the case is not resolved"
	}
	return false, "unknown condition " + strings.TrimSpace(c)
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
