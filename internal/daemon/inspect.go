package daemon

import (
	"fmt"
	"os"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/rules"
)

// Inspection is what `followupd inspect` prints for one file: how the
// daemon would read it, without touching the database or any server.
type Inspection struct {
	File      string          `json:"file"`
	Customer  InspectPerson   `json:"customer"`
	Subject   string          `json:"subject"`
	Kind      string          `json:"kind"`
	Category  string          `json:"category"`
	Rule      string          `json:"rule"`
	Tags      []string        `json:"tags"`
	Forwarded bool            `json:"forwarded"`
	OptOut    bool            `json:"optout"`
	Rating    int             `json:"rating,omitempty"`
	Skip      string          `json:"skip"`
	Bounce    InspectBounce   `json:"bounce"`
	Bounces   []InspectBounce `json:"bounces,omitempty"`
	Problems  []string        `json:"problems,omitempty"`
	Error     string          `json:"error"`
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

// Inspector classifies files as the daemon would.
type Inspector struct {
	cl  *rules.Classifier
	cfg *config.Config
}

// NewInspector prepares an inspector. With a nil config it uses the
// built-in rules and treats a forward from anyone as the owner's.
func NewInspector(cfg *config.Config) (*Inspector, error) {
	if cfg == nil {
		cl, err := rules.NewClassifier(rules.Policy{AnyForwarder: true}, nil, true)
		return &Inspector{cl: cl}, err
	}
	lv, err := Prepare(cfg)
	if err != nil {
		return nil, err
	}
	return &Inspector{cl: lv.classifier, cfg: cfg}, nil
}

// Inspect reads and classifies one file. Errors go into the result.
func (ins *Inspector) Inspect(file string) (out Inspection) {
	out = Inspection{File: file, Tags: []string{}}
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
	dec, ok := classifySafely(ins.cl, msg)
	if !ok {
		out.Error = "classifier panic"
		return out
	}
	out.Customer = InspectPerson{Email: dec.Customer.Email, Name: dec.Customer.Name}
	out.Subject, out.Kind, out.Category, out.Rule, out.Skip = dec.Subject, dec.Kind, dec.Category, dec.Rule, dec.Skip
	out.Tags = append(out.Tags, dec.Tags...)
	out.Tags = append(out.Tags, ins.cl.RuleTags(msg, dec)...)
	out.Forwarded = dec.Kind == rules.KindForward || dec.Kind == rules.KindUnattributed
	out.OptOut, out.Rating = dec.OptOut, dec.Rating
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

// classifySafely classifies a message; a panic is reported, not raised.
func classifySafely(cl *rules.Classifier, m *inbox.Message) (d rules.Decision, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
		}
	}()
	return cl.Classify(m, func(string) bool { return true }, nil), true
}

// PlannedSend is one follow-up `followupd plan` says would be sent.
type PlannedSend struct {
	Sequence   string   `json:"sequence"`
	Step       int      `json:"step"`
	Template   string   `json:"template"`
	To         string   `json:"to"`
	Due        string   `json:"due"`            // planned time, RFC 3339
	SendAt     string   `json:"send_at"`        // after send hours and holidays
	Conditions []string `json:"when,omitempty"` // checked when it falls due
}

// Plan is what `followupd plan` prints for one file.
type Plan struct {
	Inspection
	Sends []PlannedSend `json:"sends"`
}

// Plan says what a message arriving at now would make followupd send, to
// whom and when, as if the customer were new, without a database or server.
func (ins *Inspector) Plan(file string, now time.Time) Plan {
	p := Plan{Inspection: ins.Inspect(file), Sends: []PlannedSend{}}
	if p.Error != "" || p.Skip != "" || p.OptOut || ins.cfg == nil {
		return p
	}
	event := p.Category
	if p.Kind == rules.KindReply && event != "complaint" {
		return p
	}
	limits := rules.LimitsFrom(ins.cfg.Business)
	for _, s := range rules.Plan(ins.cfg.Sequences, event, now) {
		to := p.Customer.Email
		at := s.Due
		if s.Recipient == "owner" {
			to = ins.cfg.Business.OwnerEmail
		} else {
			at = rules.NextAllowed(s.Due, limits.Windows, limits.Loc, limits.Holidays)
		}
		p.Sends = append(p.Sends, PlannedSend{Sequence: s.Sequence, Step: s.Step, Template: s.Template, To: to,
			Due: s.Due.UTC().Format(time.RFC3339), SendAt: at.UTC().Format(time.RFC3339), Conditions: s.Conditions})
	}
	return p
}

// String is a one-line summary for humans.
func (p PlannedSend) String() string {
	return fmt.Sprintf("%s step %d: %s to %s at %s", p.Sequence, p.Step, p.Template, p.To, p.SendAt)
}
