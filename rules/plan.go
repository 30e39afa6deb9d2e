package rules

import (
	"time"

	"github.com/followupd/followupd/internal/config"
)

// Planned is one follow-up to record.
type Planned struct {
	Sequence  string
	Step      int
	Template  string
	Recipient string // customer | owner
	Due       time.Time
}

// Plan returns the follow-ups that event starts at time at: every step of
// every sequence whose `on` is the event, due at at + step.after. It is
// deterministic, so planning the same trigger twice plans the same rows
// (which the store keeps unique).
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
			out = append(out, Planned{Sequence: s.Name, Step: i, Template: st.Template, Recipient: to, Due: at.Add(st.After.Duration)})
		}
	}
	return out
}
