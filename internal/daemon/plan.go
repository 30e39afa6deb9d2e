package daemon

import (
	"fmt"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/rules"
)

// planEvent records the follow-ups an event starts for customer c: each
// step of each sequence on base.Event, base holding the event's fields.
// Nothing is planned to a customer who opted out or whose address bounces
// (blocked says why); the owner's steps, such as an alert about their
// complaint, still are. Planning the same event twice adds nothing.
func planEvent(tx *store.Tx, seqs []config.Sequence, base store.NewFollowup, c store.Customer) (added, blocked []rules.Planned, err error) {
	base.CustomerID = c.ID
	for _, p := range rules.Plan(seqs, base.Event, base.TriggerTime) {
		if p.Recipient == "customer" && reachable(c) != "" {
			blocked = append(blocked, p)
			continue
		}
		nf := base
		nf.Sequence, nf.Step, nf.Template, nf.Recipient = p.Sequence, p.Step, p.Template, p.Recipient
		nf.Conditions, nf.StopOnReply, nf.Due = p.Conditions, p.StopOnReply, p.Due
		ok, err := tx.PlanFollowup(nf)
		if err != nil {
			return added, blocked, err
		}
		if ok {
			added = append(added, p)
		}
	}
	return added, blocked, nil
}

// resolvedEvent is the "resolved" event of case k, resolved at now. Its
// trigger key names the case, so a case resolved twice (by the command and
// by a #resolved tag) plans its sequences once.
func resolvedEvent(k *store.Case, now time.Time) store.NewFollowup {
	return store.NewFollowup{TriggerKey: fmt.Sprintf("r:%d", k.ID), Event: "resolved", TriggerTime: now,
		ThreadID: k.MessageID, CaseID: k.ID}
}

// reachable says why nothing may be planned for the customer, or "".
func reachable(c store.Customer) string {
	switch {
	case !c.OptedOut.IsZero():
		return "the customer opted out"
	case !c.Bouncing.IsZero():
		return "the address bounces"
	}
	return ""
}
