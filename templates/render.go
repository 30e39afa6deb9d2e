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
}

// Names returns the template names, sorted.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.byName))
	for n := range s.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Has reports whether a template of that name exists.
func (s *Set) Has(name string) bool { _, ok := s.byName[name]; return ok }

// Description returns the description a template's front matter gives, or "".
func (s *Set) Description(name string) string {
	if t, ok := s.byName[name]; ok {
		return t.description
	}
	return ""
}

// Render executes one variant of template name against d. seen lists the
// variant keys (Rendered.Variant) this customer has already received,
// oldest first. Render picks a variant not in seen, the same one for the
// same customer and seen list, but spread across customers by a hash of
// d.Customer.Email; when every variant was seen, the one seen longest ago.
func (s *Set) Render(name string, d Data, seen []string) (Rendered, error) {
	t, ok := s.byName[name]
	if !ok {
		return Rendered{}, fmt.Errorf("no template %q", name)
	}
	return t.variants[choose(t, d.Customer.Email, seen)].render(d)
}

// Preview renders every variant of template name against d, in file order.
func (s *Set) Preview(name string, d Data) ([]Rendered, error) {
	t, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	var out []Rendered
	var errs []error
	for _, v := range t.variants {
		r, err := v.render(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// Check renders every variant of every template, text and HTML, against
// Sample data and returns every failure, each naming its file and line.
func (s *Set) Check() error {
	var errs []error
	for _, n := range s.Names() {
		if _, err := s.Preview(n, Sample()); err != nil {
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
	r := Rendered{Subject: oneLine(subj.String()), Text: tidy(body.String()), Variant: v.key}
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

// Variants returns how many variants template name has (0 if none).
func (s *Set) Variants(name string) int {
	if t, ok := s.byName[name]; ok {
		return len(t.variants)
	}
	return 0
}
