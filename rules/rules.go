// Package rules is followupd's policy, the one place decisions live, kept
// pure: given a parsed message, what the store knows and the time, Decide
// says what the message is (kind, verified customer, category with its
// evidence, language, rating, opt-out), what it does to each customer it
// names, and which follow-ups it starts, each with the reason; given a
// follow-up that fell due, DecideDue says whether to send it now, wait,
// skip or cancel it, in which language, and why. The daemon loads facts,
// asks, and applies the answer, so that `inspect`, `plan`, the log and the
// digest all show the same why. It does no I/O and reads no clock: every
// input is passed in, the store's answers through the small Known
// interface.
package rules

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
)

// Policy is the owner's configuration compiled for deciding: who the
// owner is, their classification rules, sequences and sending limits.
type Policy struct {
	owner []string // the owner's addresses (owner_email and aliases), lower-cased
	self  []string // followupd's own addresses (the mailbox, smtp.from)
	// anyForwarder treats a forward from any sender as the owner's; for
	// `followupd inspect` without a config.
	anyForwarder bool
	ownerRules   []rule
	builtIn      bool // read with the built-in reading after the owner's rules
	sequences    []config.Sequence
	limits       Limits
	lang         core.Lang // the owner's language
	trust        trust     // how owner mail is verified
	asks         func(template string) core.Asks
}

// Limits are the owner's sending limits.
type Limits struct {
	Windows  []config.Window
	Loc      *time.Location
	Holidays map[string]bool // "2006-01-02" in Loc
	MinGap   time.Duration
	DailyCap int
	MaxLate  time.Duration
	// NewPerHour is [trust] new_recipients_per_hour, OwnerAlertsPerHour
	// owner_alerts_per_hour; 0 is no limit.
	NewPerHour         int
	OwnerAlertsPerHour int
}

// Counted reports whether a limit needs what was sent counted before each
// send (daily_cap, new recipients, owner alerts).
func (l Limits) Counted() bool { return l.DailyCap > 0 || l.NewPerHour > 0 || l.OwnerAlertsPerHour > 0 }

// TemplateAsks says what a template's front matter asks the customer for.
type TemplateAsks func(template string) core.Asks

// New compiles the policy of a checked config. asks reads the templates'
// front matter (asks: rating); nil means no template says.
func New(cfg *config.Config, asks TemplateAsks) (*Policy, error) {
	b := cfg.Business
	p := &Policy{
		builtIn:   cfg.Classify.UseDefaults(),
		sequences: cfg.Sequences,
		lang:      b.Language,
		asks:      asks,
		trust:     newTrust(cfg.Trust),
		limits: Limits{Windows: b.SendWindows, Loc: b.Location, Holidays: b.HolidaySet,
			MinGap: b.MinGap.Duration, DailyCap: b.DailyCap, MaxLate: b.MaxLate.Duration,
			NewPerHour: cfg.Trust.NewRecipientsPerHour, OwnerAlertsPerHour: cfg.Trust.OwnerAlertsPerHour},
	}
	if p.lang == "" {
		p.lang = core.English
	}
	for _, a := range append([]string{b.OwnerEmail}, b.OwnerAliases...) {
		p.owner = append(p.owner, strings.ToLower(strings.TrimSpace(a)))
	}
	p.self = append(p.self, strings.ToLower(cfg.IMAP.Username))
	if from, err := mail.ParseAddress(cfg.SMTP.From); err == nil {
		p.self = append(p.self, strings.ToLower(from.Address))
	}
	for _, r := range cfg.Rules {
		cr, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.File, err)
		}
		p.ownerRules = append(p.ownerRules, cr)
	}
	return p, nil
}

// BuiltIn is the policy `followupd inspect` uses without a config: the
// built-in reading, no owner rules or sequences, and a forward from
// anyone read as the owner's.
func BuiltIn() *Policy {
	return &Policy{anyForwarder: true, builtIn: true, lang: core.English, limits: Limits{Loc: time.UTC}, trust: trust{none: true}}
}

// Limits returns the sending limits.
func (p *Policy) Limits() Limits { return p.limits }

// Language returns the owner's language.
func (p *Policy) Language() core.Lang { return p.lang }

func (p *Policy) isOwner(addr string) bool { return contains(p.owner, addr) }
func (p *Policy) isSelf(addr string) bool  { return contains(p.self, addr) }

func contains(list []string, addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	for _, a := range list {
		if a == addr {
			return true
		}
	}
	return false
}
