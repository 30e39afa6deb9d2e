package rules

import (
	"time"

	"github.com/followupd/followupd/internal/config"
)

// Planned is one follow-up to record.
type Planned struct {
	Sequence    string
	Event       string
	Step        int
	Template    string
	Recipient   string // customer | owner
	Conditions  []string
	StopOnReply bool
	Due         time.Time
}

// Plan returns the follow-ups that event starts at time at: every step of
// every sequence whose `on` is the event, due at at + step.after. It is
// deterministic, so planning the same trigger twice plans the same rows
// (which the store keeps unique). A reply from the customer stops the
// customer-bound steps of a sequence with stop_on_reply (the default);
// owner-bound steps are not stopped by it.
func Plan(seqs []config.Sequence, event string, at time.Time) []Planned {
	var out []Planned
	for _, s := range seqs {
		if s.On != event {
			continue
		}
		for i, st := range s.Steps {
			to := st.To
			if to == "" {
				to = "customer"
			}
			out = append(out, Planned{
				Sequence: s.Name, Event: event, Step: i, Template: st.Template, Recipient: to,
				Conditions: st.When, StopOnReply: to == "customer" && s.StopsOnReply(),
				Due: at.Add(st.After.Duration),
			})
		}
	}
	return out
}

// QuietSequences returns the sequences started by silence.
func QuietSequences(seqs []config.Sequence) []config.Sequence {
	var out []config.Sequence
	for _, s := range seqs {
		if s.On == "quiet" {
			out = append(out, s)
		}
	}
	return out
}
