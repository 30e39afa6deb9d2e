// Package templates loads, checks and renders the follow-up emails.
//
// A template is one file named NAME.txt: a first line "Subject: ...", a
// blank line, then the plain-text body, all Go text/template syntax
// executed against Data. The built-in defaults are embedded; a folder given
// by the owner overrides them name by name. Every template is parsed at load
// time and rendered against Sample data by Check, so an unknown field or a
// syntax error is reported with the file and line before anything is sent.
// Templates never send mail.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
)

//go:embed defaults/*.txt
var defaultFS embed.FS

// Set is a loaded, parsed set of templates, safe for concurrent use.
type Set struct {
	byName map[string]*Template
}

// Template is one parsed template.
type Template struct {
	Name    string
	File    string // where it came from: a path, or "builtin:NAME.txt"
	subject *template.Template
	body    *template.Template
}

// Rendered is a template executed for one recipient.
type Rendered struct {
	Subject string
	Text    string
}

var funcs = template.FuncMap{
	// reply makes a reply subject: "Re: " once, never "Re: Re:".
	"reply": func(s string) string {
		s = strings.TrimSpace(s)
		if s == "" {
			return "Thanks for your message"
		}
		if l := strings.ToLower(s); strings.HasPrefix(l, "re:") || strings.HasPrefix(l, "aw:") || strings.HasPrefix(l, "sv:") {
			return s
		}
		return "Re: " + s
	},
}

// Load parses the built-in templates and then, if dir is not empty, every
// NAME.txt in dir, which replaces the built-in of the same name. Every
// problem found is returned, one per file.
func Load(dir string) (*Set, error) {
	set := &Set{byName: map[string]*Template{}}
	var errs []error
	entries, _ := fs.ReadDir(defaultFS, "defaults")
	for _, e := range entries {
		b, _ := defaultFS.ReadFile("defaults/" + e.Name())
		if err := set.add("builtin:"+e.Name(), e.Name(), b); err != nil {
			errs = append(errs, err)
		}
	}
	if dir != "" {
		files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
		if err != nil {
			return nil, fmt.Errorf("templates %s: %w", dir, err)
		}
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if err := set.add(f, filepath.Base(f), b); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return set, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func (s *Set) add(file, base string, src []byte) error {
	name := strings.TrimSuffix(base, ".txt")
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%s: template names are lower-case letters, digits, - and _", file)
	}
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	first, rest, _ := strings.Cut(text, "\n")
	subj, ok := strings.CutPrefix(first, "Subject:")
	if !ok {
		return fmt.Errorf("%s:1: the first line must be \"Subject: ...\"", file)
	}
	// The body starts after the blank line; keep line numbers true by
	// parsing it with the subject's line accounted for.
	rest = strings.TrimPrefix(rest, "\n")
	st, err := template.New(file).Option("missingkey=error").Funcs(funcs).Parse(strings.TrimSpace(subj))
	if err != nil {
		return cleanErr(err)
	}
	// Pad with newlines so errors name the line in the file.
	offset := 1 + strings.Count(text[:len(text)-len(rest)], "\n") - 1
	bt, err := template.New(file).Option("missingkey=error").Funcs(funcs).Parse(strings.Repeat("{{/**/}}\n", offset) + rest)
	if err != nil {
		return cleanErr(err)
	}
	s.byName[name] = &Template{Name: name, File: file, subject: st, body: bt}
	return nil
}

// cleanErr turns text/template's "template: FILE:LINE: msg" into "FILE:LINE: msg".
func cleanErr(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "template: "))
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

// Render executes template name against d.
func (s *Set) Render(name string, d Data) (Rendered, error) {
	t, ok := s.byName[name]
	if !ok {
		return Rendered{}, fmt.Errorf("no template %q", name)
	}
	var subj, body bytes.Buffer
	if err := t.subject.Execute(&subj, d); err != nil {
		return Rendered{}, cleanErr(err)
	}
	if err := t.body.Execute(&body, d); err != nil {
		return Rendered{}, cleanErr(err)
	}
	return Rendered{Subject: oneLine(subj.String()), Text: tidy(body.String())}, nil
}

// Check renders every template against Sample data and returns every
// failure, each naming the template's file and line.
func (s *Set) Check() error {
	var errs []error
	for _, n := range s.Names() {
		if _, err := s.Render(n, Sample()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// oneLine folds a rendered subject onto one line: a subject can never carry
// a line break, whatever the data held.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
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
