package rules

import (
	"slices"
	"strings"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/rules/meaning"
)

// What set a category, when not an owner rule or tag.
const (
	ruleBuiltIn      = "built-in reading"
	ruleFirstContact = "built-in: first contact"
)

// builtInRule reports a category set by the built-in reading, not by the
// owner.
func builtInRule(rule string) bool {
	return rule == ruleBuiltIn || rule == ruleFirstContact || rule == ""
}

// read sets the category of the customer's words: an owner tag wins, then
// the owner's rules in order, then the built-in reading. The reading's
// language and evidence are kept whoever decided. m is nil for a forward
// (the owner's headers are not the customer's).
func (p *Policy) read(d *Decision, m *inbox.Message, subject, replied string, hint core.Lang) {
	r := meaning.Read(meaning.Input{Subject: subject, Replied: replied, Text: d.Text, LanguageHint: hint, ShopLanguage: p.lang})
	d.Language, d.LanguageSure, d.Evidence = r.Language, r.Confident, r.Evidence
	ft := facts{subject: strings.ToLower(d.Subject), text: strings.ToLower(d.Text), from: d.Customer.Key(), msg: m}
	if cat := d.Tags.Category(); cat != "" {
		d.Category, d.Rule = cat, "owner tag #"+string(cat)
	} else {
		for _, rl := range p.ownerRules {
			if rl.category != "" && rl.matches(ft) {
				d.Category, d.Rule = rl.category, rl.name
				break
			}
		}
	}
	if d.Category == "" {
		d.Category, d.Rule = core.Other, ruleBuiltIn
		if p.builtIn {
			d.Category, d.Unsure = r.Category, r.Unsure
		}
	}
	for _, rl := range p.ownerRules {
		if len(rl.tags) > 0 && (rl.category == "" || rl.name == d.Rule) && rl.matches(ft) {
			for _, t := range rl.tags {
				if !slices.Contains(d.Tags, t) {
					d.Tags = append(d.Tags, t)
				}
			}
		}
	}
}
