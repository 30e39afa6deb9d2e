package daemon

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/inbox/authn"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/rules"
	"github.com/followupd/followupd/rules/meaning"
)

// Inspection is what `followupd inspect` prints for one file: how the
// daemon would read it, without touching the database or any server.
type Inspection struct {
	File      string             `json:"file"`
	Customer  InspectPerson      `json:"customer"`
	Subject   string             `json:"subject"`
	Kind      core.Kind          `json:"kind"`
	Category  core.Category      `json:"category"`
	Rule      string             `json:"rule"`
	Unsure    bool               `json:"unsure"`
	Language  core.Lang          `json:"language"`
	Evidence  []meaning.Evidence `json:"evidence"`
	Tags      []string           `json:"tags"`
	Forwarded bool               `json:"forwarded"`
	OptOut    bool               `json:"optout"`
	Rating    int                `json:"rating,omitempty"`
	Skip      string             `json:"skip"`
	// Owner is how mail from the owner's address was verified, with the
	// authserv-ids it carries (for [trust] authserv_ids); absent for
	// other mail. Would is what unverified owner mail would be.
	Owner    *rules.Verification `json:"owner,omitempty"`
	Would    core.Kind           `json:"would_be,omitempty"`
	Bounce   InspectBounce       `json:"bounce"`
	Bounces  []InspectBounce     `json:"bounces,omitempty"`
	Problems []string            `json:"problems,omitempty"`
	Error    string              `json:"error"`

	decision rules.Decision
}

// InspectPerson is a name and an address.
type InspectPerson struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// InspectBounce is one failed recipient of a bounce; empty for other mail.
type InspectBounce struct {
	Recipient string `json:"recipient"`
	Permanent bool   `json:"permanent"`
	Status    string `json:"status,omitempty"`
}

// Inspector reads files as the daemon would.
type Inspector struct {
	policy *rules.Policy
	cfg    *config.Config
}

// NewInspector prepares an inspector. With a nil config it uses the
// built-in reading and treats a forward from anyone as the owner's.
func NewInspector(cfg *config.Config) (*Inspector, error) {
	if cfg == nil {
		return &Inspector{policy: rules.BuiltIn()}, nil
	}
	lv, err := Prepare(cfg)
	if err != nil {
		return nil, err
	}
	return &Inspector{policy: lv.policy, cfg: cfg}, nil
}

// newcomer is the store of `inspect` and `plan`: every customer is new.
type newcomer struct{}

func (newcomer) Customer(string) (core.Customer, bool, error) { return core.Customer{}, false, nil }
func (newcomer) OpenCase(int64) (*core.Case, error)           { return nil, nil }
func (newcomer) Latest(int64) (*core.Contact, error)          { return nil, nil }
func (newcomer) Forgotten(string) (bool, error)               { return false, nil }

// Inspect reads one file as a first contact arriving at now. Errors go
// into the result.
func (ins *Inspector) Inspect(file string, now time.Time) (out Inspection) {
	out = Inspection{File: file, Tags: []string{}, Evidence: []meaning.Evidence{}}
	raw, err := os.ReadFile(file)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	msg, err := parseSafely(raw)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Problems = msg.Problems
	// Read once, as the daemon does, and check owner mail that only its
	// DKIM signature can verify against DNS.
	facts := rules.Facts{At: now, Reading: readSafely(ins.policy, msg)}
	if ins.cfg != nil && facts.Reading.WantsDKIM() {
		facts.DKIM = authn.Verifier{Resolver: ins.cfg.Trust.DNSResolver}.Verify(context.Background(), raw)
	}
	dec, err := decideSafely(ins.policy, msg, facts)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.decision = dec
	out.Customer = InspectPerson{Email: dec.Customer.Email, Name: dec.Customer.Name}
	out.Subject, out.Kind, out.Category, out.Rule, out.Skip = dec.Subject, dec.Kind, dec.Category, dec.Rule, dec.Skip
	out.Unsure, out.Language = dec.Unsure, dec.Language
	out.Evidence = append(out.Evidence, dec.Evidence...)
	out.Tags = append(out.Tags, dec.Tags...)
	out.Forwarded = dec.Kind == core.KindForward || dec.Kind == core.KindUnattributed
	out.OptOut, out.Rating = dec.OptOut, dec.Rating
	out.Owner, out.Would = dec.Owner, dec.Would
	if dec.Skip == "" && dec.OptOut {
		out.Skip = "the customer asks to hear no more (opt-out)"
	}
	if dec.Bounce != nil {
		for _, r := range dec.Bounce.Recipients {
			out.Bounces = append(out.Bounces, InspectBounce{Recipient: r.Email, Permanent: r.Permanent, Status: r.Status})
		}
		if len(out.Bounces) > 0 {
			out.Bounce = out.Bounces[0]
		}
	}
	return out
}

// decideSafely asks rules about a message; a panic is reported, not raised.
func decideSafely(p *rules.Policy, m *inbox.Message, f rules.Facts) (d rules.Decision, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rules panic: %v", r)
		}
	}()
	return p.Decide(m, f, newcomer{})
}

// PlannedSend is one follow-up `followupd plan` says would be sent.
type PlannedSend struct {
	Sequence   string           `json:"sequence"`
	Step       int              `json:"step"`
	Template   string           `json:"template"`
	To         string           `json:"to"`
	Due        string           `json:"due"`            // planned time, RFC 3339
	SendAt     string           `json:"send_at"`        // after send hours and holidays
	Conditions []core.Condition `json:"when,omitempty"` // checked when it falls due
}

// Plan is what `followupd plan` prints for one file.
type Plan struct {
	Inspection
	Sends []PlannedSend `json:"sends"`
	// Why says why nothing (or only an acknowledgement) is planned.
	Why []string `json:"why,omitempty"`
}

// Plan says what a message arriving at now would make followupd send, to
// whom and when, as if the customer were new, without a database or
// server: the follow-ups rules plans for it.
func (ins *Inspector) Plan(file string, now time.Time) Plan {
	p := Plan{Inspection: ins.Inspect(file, now), Sends: []PlannedSend{}}
	if p.Error != "" || ins.cfg == nil {
		return p
	}
	for _, a := range p.decision.Acts {
		p.Why = append(p.Why, a.Notes...)
		if a.Why != "" {
			p.Why = append(p.Why, a.Why)
		}
		for _, f := range a.Plan {
			to := a.Customer.Email
			if f.Recipient == core.ToOwner {
				to = ins.cfg.Business.OwnerEmail
			}
			p.Sends = append(p.Sends, PlannedSend{Sequence: f.Sequence, Step: f.Step, Template: f.Template, To: to,
				Due: f.Due.UTC().Format(time.RFC3339), SendAt: ins.policy.SendAt(f).UTC().Format(time.RFC3339), Conditions: f.Conditions})
		}
		for _, f := range a.Blocked {
			p.Why = append(p.Why, fmt.Sprintf("%s step %d not planned: %s", f.Sequence, f.Step, f.LastError))
		}
	}
	return p
}

// String is a one-line summary for humans.
func (p PlannedSend) String() string {
	return fmt.Sprintf("%s step %d: %s to %s at %s", p.Sequence, p.Step, p.Template, p.To, p.SendAt)
}
