package rules

import (
	"slices"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// Reclassification is the owner's correction of how a customer's newest
// message was read: the follow-ups of the wrong reading still pending
// are cancelled, and the right one's are planned, leaving out any
// template already sent for that message.
type Reclassification struct {
	From, To core.Category
	By       string // "owner tag #complaint", "followupd reclassify"
	Message  core.Thread
	Trigger  string // the message's trigger key: its pending follow-ups are cancelled
	Key      string // the trigger key of the new reading's follow-ups
	Event    core.Event
	Plan     []core.Followup
	Blocked  []core.Followup
	OpenCase bool // a complaint opens a case, which the plan is about
	// Changes says the message's reading changes; Why explains a
	// correction that changes nothing or plans nothing.
	Changes bool
	Why     string
}

// Reclassify decides what correcting the reading of customer c's newest
// message (latest; nil when they have none) to category to at time at
// does.
func (p *Policy) Reclassify(c core.Customer, latest *core.Contact, to core.Category, by string, at time.Time) *Reclassification {
	r := &Reclassification{To: to, By: by}
	switch {
	case latest == nil:
		r.Why = "no message of theirs to read again"
		return r
	case latest.Message.Category == to:
		r.From = to
		r.Why = "already read as " + string(to)
		return r
	}
	r.Changes = true
	r.From, r.Message, r.Trigger = latest.Message.Category, latest.Message, latest.Trigger
	r.Key = latest.Trigger + "/" + string(to)
	r.Event = to.Event()
	plan, blocked := p.Plan(r.Event, at, c, c.FirstTime())
	for _, f := range plan {
		if slices.Contains(latest.Sent, f.Template) {
			continue // already sent for this message: not again
		}
		f.TriggerKey, f.TriggerSeq, f.Thread = r.Key, latest.Seq, latest.Message
		r.Plan = append(r.Plan, f)
	}
	r.Blocked = blocked
	r.OpenCase = to == core.Complaint
	if len(r.Plan) == 0 && len(blocked) == 0 {
		r.Why = "read as " + string(to) + " now; nothing more to send for it"
	}
	return r
}
