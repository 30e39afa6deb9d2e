package rules

import (
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
)

// Plan returns the follow-ups event starts for customer c at time at:
// every step of every sequence on the event, due at at + step.after.
// It is deterministic, so planning the same trigger twice plans the same
// rows (which the store keeps unique). Steps to a customer who cannot be
// reached (opted out, bouncing) are returned as blocked instead; the
// owner's steps, such as an alert about their complaint, still go. A
// reply from the customer stops the customer-bound steps of a sequence
// with stop_on_reply (the default); owner-bound steps are not stopped by
// it. first says the customer was first-time at the trigger.
func (p *Policy) Plan(event core.Event, at time.Time, c core.Customer, first bool) (plan, blocked []core.Followup) {
	return p.planSequences(p.sequencesOn(event), event, at, c, first, false)
}

// PlanQuiet returns the follow-ups a silence starts for c: the steps of the
// quiet sequence seq.
func (p *Policy) PlanQuiet(seq config.Sequence, at time.Time, c core.Customer) (plan, blocked []core.Followup) {
	return p.planSequences([]config.Sequence{seq}, core.EventQuiet, at, c, c.FirstTime(), false)
}

// firstStep plans only the first step of each sequence on event: how a
// first contact that no sequence of its own answers is acknowledged.
func (p *Policy) firstStep(event core.Event, at time.Time, c core.Customer, first bool) (plan, blocked []core.Followup) {
	return p.planSequences(p.sequencesOn(event), event, at, c, first, true)
}

// QuietSequences returns the sequences started by silence.
func (p *Policy) QuietSequences() []config.Sequence { return p.sequencesOn(core.EventQuiet) }

func (p *Policy) sequencesOn(event core.Event) []config.Sequence {
	var out []config.Sequence
	for _, s := range p.sequences {
		if s.On == event {
			out = append(out, s)
		}
	}
	return out
}

func (p *Policy) planSequences(seqs []config.Sequence, event core.Event, at time.Time, c core.Customer, first, onlyFirst bool) (plan, blocked []core.Followup) {
	for _, s := range seqs {
		for i, st := range s.Steps {
			if onlyFirst && i > 0 {
				break
			}
			to := st.To
			if to == "" {
				to = core.ToCustomer
			}
			f := core.Followup{
				CustomerID: c.ID, Event: event, TriggerTime: at, Sequence: s.Name, Step: i, Template: st.Template,
				Recipient: to, Conditions: st.When, StopOnReply: to == core.ToCustomer && s.StopsOnReply(),
				FirstTime: first, Due: at.Add(st.After.Duration),
			}
			if to == core.ToCustomer && c.Unreachable() != "" {
				f.LastError = c.Unreachable()
				blocked = append(blocked, f)
				continue
			}
			plan = append(plan, f)
		}
	}
	return plan, blocked
}

// resolution decides what resolving the customer's open case does: it
// plans the sequences that start on "resolved".
func (p *Policy) resolution(a *Act, by core.Actor, c core.Customer, known bool, f Facts, k Known) error {
	a.Resolve = &Resolution{By: by}
	if !known {
		a.note("#resolved, but the customer is not known")
		return nil
	}
	open, err := k.OpenCase(c.ID)
	if err != nil || open == nil {
		if open == nil && err == nil {
			a.note("#resolved, but the customer has no open case")
		}
		return err
	}
	a.Resolve.Case = open
	a.Resolve.Plan, a.Resolve.Blocked = p.Resolved(open, f.At, c)
	return nil
}

// Resolved returns what resolving case k at time at starts for customer c.
func (p *Policy) Resolved(k *core.Case, at time.Time, c core.Customer) (plan, blocked []core.Followup) {
	plan, blocked = p.Plan(core.EventResolved, at, c, false)
	for i := range plan {
		plan[i].CaseID, plan[i].Thread.ID = k.ID, k.MessageID
	}
	return plan, blocked
}

// AsksFor says what step step of sequence (sending template) asked the
// customer for: the step's `asks`, else the template's front matter, else,
// for an owner template from before `asks` existed, its name ("feedback",
// "satisfaction", "review" ask for a rating).
func (p *Policy) AsksFor(sequence string, step int, template string) core.Asks {
	for _, s := range p.sequences {
		if s.Name == sequence && step >= 0 && step < len(s.Steps) && s.Steps[step].Asks != core.AsksNothing {
			return s.Steps[step].Asks
		}
	}
	if p.asks != nil {
		if a := p.asks(template); a != core.AsksNothing {
			return a
		}
	}
	if NamedLikeFeedback(template) {
		return core.AsksRating
	}
	return core.AsksNothing
}

// NamedLikeFeedback reports a template whose name says it asks for
// feedback; `followupd check` warns when such a template does not say
// asks: rating.
func NamedLikeFeedback(name string) bool {
	return strings.Contains(name, "feedback") || strings.Contains(name, "satisfaction") || strings.Contains(name, "review")
}
