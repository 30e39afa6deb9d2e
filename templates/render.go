package templates

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/followupd/followupd/internal/core"
)

// Rendered is a template executed for one recipient.
type Rendered struct {
	Subject string // one line, whatever the data held
	Text    string // the plain-text body, ending in one newline
	HTML    string // a whole HTML document for multipart/alternative; "" for text only
	// Variant names the variant rendered, "thank-you/3f9a1c2e": the
	// template's name and a hash of the variant's subject and text, so that
	// editing a variant gives it a new key. Store it with the customer and
	// pass it back in seen.
	Variant string
	// Lang is the language it was written in: the one asked for when the
	// template has it, else the base file's ("" for NAME.txt).
	Lang core.Lang
}

// Names returns the template names, sorted (one each, whatever
// languages it has).
func (s *Set) Names() []string {
	var names []string
	for k, t := range s.byName {
		if t.lang == "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// Has reports whether a template of that name exists.
func (s *Set) Has(name string) bool { _, ok := s.byName[name]; return ok }

// Langs returns the languages template name is written in besides its
// base file, sorted.
func (s *Set) Langs(name string) []core.Lang {
	out := slices.Clone(s.langs[name])
	slices.Sort(out)
	return out
}

// Description returns the description a template's front matter gives, or "".
func (s *Set) Description(name string) string {
	if t, ok := s.byName[name]; ok {
		return t.description
	}
	return ""
}

// Asks returns what template name asks the customer for, as its base
// file's front matter says (asks: rating).
func (s *Set) Asks(name string) core.Asks {
	if t, ok := s.byName[name]; ok {
		return t.asks
	}
	return core.AsksNothing
}

// pick returns template name in lang, else its base file.
func (s *Set) pick(name string, lang core.Lang) (*tmpl, error) {
	if lang != "" {
		if t, ok := s.lookup(name, lang); ok {
			return t, nil
		}
	}
	if t, ok := s.byName[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("no template %q", name)
}

// Render executes one variant of template name, in language lang when it
// is written in it (else its base file), against d. seen lists the
// variant keys (Rendered.Variant) this customer has already received,
// oldest first. Render picks a variant not in seen, the same one for the
// same customer and seen list, but spread across customers by a hash of
// d.Customer.Email; when every variant was seen, the one seen longest ago.
func (s *Set) Render(name string, lang core.Lang, d Data, seen []string) (Rendered, error) {
	t, err := s.pick(name, lang)
	if err != nil {
		return Rendered{}, err
	}
	return t.variants[choose(t, d.Customer.Email, seen)].render(t.localize(d))
}

// Preview renders every variant of template name in lang (its base file
// when it is not written in it) against d, in file order.
func (s *Set) Preview(name string, lang core.Lang, d Data) ([]Rendered, error) {
	t, err := s.pick(name, lang)
	if err != nil {
		return nil, err
	}
	return t.preview(d)
}

func (t *tmpl) preview(d Data) ([]Rendered, error) {
	var out []Rendered
	var errs []error
	for _, v := range t.variants {
		r, err := v.render(t.localize(d))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// localize fills the text fields of d that depend on the language: the
// promise, how long a case has been open. Fields already set are kept.
func (t *tmpl) localize(d Data) Data {
	l := t.lang
	if l == "" {
		l = core.English
	}
	if d.Promise == "" && d.Promised > 0 {
		d.Promise = Within(l, d.Promised)
	}
	if d.Case != nil && d.Case.Age == "" && !d.Case.Opened.IsZero() {
		k := *d.Case
		k.Age = AgeIn(l, d.Now.Sub(k.Opened))
		d.Case = &k
	}
	if d.Digest != nil {
		dg := *d.Digest
		dg.OpenCases = slices.Clone(dg.OpenCases)
		for i, k := range dg.OpenCases {
			if k.Age == "" {
				dg.OpenCases[i].Age = AgeIn(l, d.Now.Sub(k.Opened))
			}
		}
		dg.Expiring = slices.Clone(dg.Expiring)
		for i, p := range dg.Expiring {
			if p.Left == "" && !p.Overdue {
				dg.Expiring[i].Left = AgeIn(l, p.Due.Sub(d.Now))
			}
		}
		d.Digest = &dg
	}
	d.Lang = t.lang
	return d
}

// Check renders every variant of every template in every language, text
// and HTML, against Sample data and returns every failure, each naming its
// file and line.
func (s *Set) Check() error { return s.check(false) }

// CheckOwner is Check for the templates the owner's files are in: the
// owner's templates, and the built-in ones that call an owner's partial.
// The rest are followupd's own, rendered by its tests in every language,
// and cannot change without a new build: the daemon starts without
// rendering them again.
func (s *Set) CheckOwner() error { return s.check(true) }

func (s *Set) check(ownerOnly bool) error {
	all, errs := s.byName, []error(nil)
	if !ownerOnly {
		// The owner's files are all in byName; a language only
		// followupd's own are in is parsed here.
		all, errs = s.all()
	}
	for _, k := range sortedKeys(all) {
		t := all[k]
		if ownerOnly && !t.owner {
			continue
		}
		if _, err := t.preview(Sample()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// choose returns the index of the variant to send; see Render.
func choose(t *tmpl, email string, seen []string) int {
	var fresh []int
	for i, v := range t.variants {
		if !slices.Contains(seen, v.key) {
			fresh = append(fresh, i)
		}
	}
	if len(fresh) > 0 {
		h := fnv.New64a()
		h.Write([]byte(strings.ToLower(strings.TrimSpace(email)) + "\x00" + t.name))
		return fresh[h.Sum64()%uint64(len(fresh))]
	}
	// Every variant was seen: the one whose last sending is oldest.
	best, bestAt := 0, len(seen)
	for i, v := range t.variants {
		last := -1
		for j := len(seen) - 1; j >= 0; j-- {
			if seen[j] == v.key {
				last = j
				break
			}
		}
		if last < bestAt {
			best, bestAt = i, last
		}
	}
	return best
}

func (v *variant) render(d Data) (Rendered, error) {
	var subj, body bytes.Buffer
	if err := v.subject.Execute(&subj, d); err != nil {
		return Rendered{}, cleanErr(err)
	}
	if err := v.text.Execute(&body, d); err != nil {
		return Rendered{}, cleanErr(err)
	}
	r := Rendered{Subject: oneLine(subj.String()), Text: tidy(body.String()), Variant: v.key, Lang: d.Lang}
	switch {
	case v.md != nil:
		var src bytes.Buffer
		if err := v.md.Execute(&src, d); err != nil {
			return Rendered{}, cleanErr(err)
		}
		h, err := markdownToHTML(r.Subject, src.String())
		if err != nil {
			return Rendered{}, fmt.Errorf("%s:%d: markdown: %w", v.file, v.line, err)
		}
		r.HTML = h
	case v.html != nil:
		var h bytes.Buffer
		if err := v.html.Execute(&h, d); err != nil {
			return Rendered{}, cleanErr(err)
		}
		r.HTML = wrapHTML(r.Subject, h.String())
	}
	return r, nil
}

// oneLine folds a rendered subject onto one line: a subject can never carry
// a line break, whatever the data held.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

var blankRuns = regexp.MustCompile(`\n{3,}`)

// tidy trims trailing spaces and collapses the blank lines that conditional
// sections leave behind.
func tidy(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")) + "\n"
}

// Variants returns how many variants template name has in lang (0 if
// none).
func (s *Set) Variants(name string, lang core.Lang) int {
	if t, err := s.pick(name, lang); err == nil {
		return len(t.variants)
	}
	return 0
}
