package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"

	"github.com/followupd/followupd/internal/core"
)

// Set is a loaded, parsed set of templates. It does not change after Load
// and is safe for concurrent use.
type Set struct {
	byName map[string]*tmpl // the base files, and every language an owner's file is in
	// lazy are the languages only followupd's own files are in: each is
	// parsed when first asked for, so a start does not pay for ten
	// languages no customer may write in.
	lazy  map[core.Lang]*lazyLang
	langs map[string][]core.Lang // a template's languages besides its base file
}

// lazyLang is one language's built-in translations, parsed once.
type lazyLang struct {
	f      *folder
	lang   core.Lang
	once   sync.Once
	byName map[string]*tmpl
	errs   []error
}

func (l *lazyLang) get() (map[string]*tmpl, []error) {
	l.once.Do(func() {
		l.byName = map[string]*tmpl{}
		l.errs = compileLang(l.f, l.lang, l.byName)
	})
	return l.byName, l.errs
}

// lookup returns template name in lang, from the language's built-in
// translations when they are parsed lazily, else from the set itself.
func (s *Set) lookup(name string, lang core.Lang) (*tmpl, bool) {
	k := key(name, lang)
	if ll := s.lazy[lang]; ll != nil {
		m, _ := ll.get()
		t, ok := m[k]
		return t, ok
	}
	t, ok := s.byName[k]
	return t, ok
}

// all returns every template, parsing the lazy languages, and the errors
// parsing them gave.
func (s *Set) all() (map[string]*tmpl, []error) {
	out := maps.Clone(s.byName)
	var errs []error
	langs := map[core.Lang]bool{}
	for l := range s.lazy {
		langs[l] = true
	}
	for _, l := range sortedLangs(langs) {
		m, lerrs := s.lazy[l].get()
		maps.Copy(out, m)
		errs = append(errs, lerrs...)
	}
	return out, errs
}

// tmpl is one parsed template, in one language, with its variants.
type tmpl struct {
	name        string
	lang        core.Lang // "" for the base file, NAME.txt
	file        string    // where it came from: a path, or "builtin:NAME.txt"
	description string
	asks        core.Asks
	variants    []*variant
	// owner: one of the owner's files is in it (the template, its HTML
	// or a partial it can call). The others are followupd's own, which
	// its tests render.
	owner bool
}

// variant is one body of a template, compiled for every part it renders.
type variant struct {
	key     string // name + "/" + a hash of the subject and text source
	file    string
	line    int
	subject *template.Template
	text    *template.Template
	md      *template.Template     // Markdown source for the HTML part; nil if none
	html    *htmltemplate.Template // the HTML part; nil if none
}

// partial kinds: which partial files a template of each kind can call.
const (
	kindText = "txt"
	kindMD   = "md"
	kindHTML = "html"
)

// compile parses every template in f, each language's against that
// language's partials (falling back to the base ones) and functions. A
// language only followupd's own files are in is parsed when first used.
func compile(f *folder) (*Set, []error) {
	var errs []error
	set := &Set{byName: map[string]*tmpl{}, lazy: map[core.Lang]*lazyLang{}, langs: map[string][]core.Lang{}}
	langs := map[core.Lang]bool{"": true}
	ownerPartials := false
	for _, fl := range f.partials {
		ownerPartials = ownerPartials || !builtin(fl)
	}
	eager := map[core.Lang]bool{"": true}
	for _, k := range sortedKeys(f.text) {
		name, l, _ := splitLang(k)
		if l == "" {
			continue
		}
		if _, ok := f.text[name]; !ok {
			errs = append(errs, fmt.Errorf("%s: there is no %s.txt for it to translate; every template needs its base file", f.text[k].label, name))
			delete(f.text, k)
			continue
		}
		langs[l] = true
		set.langs[name] = append(set.langs[name], l)
		if ownerPartials || !builtin(f.text[k]) || ownFile(f.html, k) || ownFile(f.md, k) {
			eager[l] = true
		}
	}
	for _, lang := range sortedLangs(langs) {
		if eager[lang] {
			errs = append(errs, compileLang(f, lang, set.byName)...)
		} else {
			set.lazy[lang] = &lazyLang{f: f, lang: lang}
		}
	}
	return set, errs
}

func ownFile(m map[string]file, k string) bool {
	fl, ok := m[k]
	return ok && !builtin(fl)
}

// compileLang parses the templates of one language into byName.
func compileLang(f *folder, lang core.Lang, byName map[string]*tmpl) []error {
	partials, ownerPartials, errs := compilePartials(f, lang)
	for _, k := range sortedKeys(f.text) {
		name, l, _ := splitLang(k)
		if l != lang {
			continue
		}
		t, err := compileTemplate(k, name, lang, f, partials)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t.owner = t.owner || ownerPartials
		byName[k] = t
	}
	return errs
}

// compilePartials parses the partials a template in lang can call: the
// language's own (_NAME.LANG.EXT) where there is one, else the base ones.
// owner reports that one of them is the owner's file.
func compilePartials(f *folder, lang core.Lang) (_ map[string]map[string]*template.Template, owner bool, _ []error) {
	var errs []error
	partials := map[string]map[string]*template.Template{kindText: {}, kindMD: {}, kindHTML: {}}
	for _, k := range sortedKeys(f.partials) {
		ext := path.Ext(k)
		stem := strings.TrimSuffix(k, ext)
		name, l, _ := splitLang(stem)
		if l != "" && l != lang {
			continue
		}
		if l == "" && lang != "" {
			if _, own := f.partials[key(name, lang)+ext]; own {
				continue
			}
		}
		fl := f.partials[k]
		owner = owner || !builtin(fl)
		// A partial's final newline is not part of it: "Hi {{template "hi" .}},".
		src := strings.TrimSuffix(strings.ReplaceAll(fl.src, "\r\n", "\n"), "\n")
		pt, err := template.New(fl.label).Funcs(funcsIn(lang)).Parse(src)
		if err != nil {
			if lang == "" || l != "" {
				errs = append(errs, cleanErr(err))
			}
			continue
		}
		partials[ext[1:]][name] = pt
	}
	// Markdown templates use the .txt partials unless a .md one is given.
	for name, pt := range partials[kindText] {
		if _, ok := partials[kindMD][name]; !ok {
			partials[kindMD][name] = pt
		}
	}
	return partials, owner, errs
}

// builtin reports whether fl is one of followupd's own files.
func builtin(fl file) bool { return strings.HasPrefix(fl.label, builtinLabel) }

func sortedLangs(m map[core.Lang]bool) []core.Lang {
	var out []core.Lang
	for l := range m {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func compileTemplate(k, name string, lang core.Lang, f *folder, partials map[string]map[string]*template.Template) (*tmpl, error) {
	fl := f.text[k]
	src, err := parseSource(fl.label, fl.src)
	if err != nil {
		return nil, err
	}
	t := &tmpl{name: name, lang: lang, file: fl.label, description: src.description, asks: src.asks, owner: !builtin(fl)}
	fns := funcsIn(lang)

	// The HTML part: from a companion file, or the body itself as Markdown.
	var companion *file
	kind := ""
	if h, ok := f.html[k]; ok {
		companion, kind = &h, kindHTML
	}
	if m, ok := f.md[k]; ok {
		if companion != nil {
			return nil, fmt.Errorf("%s: %s is there too; keep one of them", m.label, companion.label)
		}
		companion, kind = &m, kindMD
	}
	switch {
	case src.html == "false" && companion != nil:
		return nil, fmt.Errorf("%s: %s says html: false", companion.label, fl.label)
	case src.html == "markdown" && companion != nil:
		return nil, fmt.Errorf("%s: %s says html: markdown, so its own body is the Markdown", companion.label, fl.label)
	case src.html == "true" && companion == nil:
		return nil, fmt.Errorf("%s:1: html: true, but there is no %s.html or %s.md next to it", fl.label, k, k)
	}
	var htmlPieces []piece
	if companion != nil {
		t.owner = t.owner || !builtin(*companion)
		htmlPieces = splitVariants(companion.src)
		if len(htmlPieces) != len(src.variants) {
			return nil, fmt.Errorf("%s: %d variants, but %s has %d; write one for each, in the same order",
				companion.label, len(htmlPieces), fl.label, len(src.variants))
		}
	}

	keys := map[string]int{}
	for i, vs := range src.variants {
		v := &variant{file: fl.label, line: vs.line}
		sum := sha256.Sum256([]byte(strings.TrimSpace(vs.subject.text) + "\x00" + strings.TrimSpace(vs.body.text)))
		v.key = k + "/" + hex.EncodeToString(sum[:4])
		if j, dup := keys[v.key]; dup {
			return nil, fmt.Errorf("%s:%d: variant %d says the same as variant %d", fl.label, vs.line, i+1, j+1)
		}
		keys[v.key] = i
		var err error
		if v.subject, err = parseText(fl.label, vs.subject, nil, false, fns); err != nil {
			return nil, err
		}
		if v.text, err = parseText(fl.label, vs.body, partials[kindText], false, fns); err != nil {
			return nil, err
		}
		switch {
		case src.html == "markdown":
			v.md, err = parseText(fl.label, vs.body, partials[kindMD], true, fns)
		case kind == kindMD:
			v.md, err = parseText(companion.label, htmlPieces[i], partials[kindMD], true, fns)
		case kind == kindHTML:
			v.html, err = parseHTML(companion.label, htmlPieces[i], partials[kindHTML], fns)
		}
		if err != nil {
			return nil, err
		}
		t.variants = append(t.variants, v)
	}
	return t, nil
}

// eachPartialTree calls add with a copy of every template tree of the
// partials, each partial's main template under the partial's name.
func eachPartialTree(partials map[string]*template.Template, add func(name string, tr *parse.Tree) error) error {
	for name, pt := range partials {
		for _, x := range pt.Templates() {
			n := x.Name()
			if n == pt.Name() {
				n = name
			}
			if x.Tree != nil {
				if err := add(n, x.Tree.Copy()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// parseText parses a piece of a file as a text/template that can call the
// given partials. For Markdown, every printed value is escaped.
func parseText(label string, p piece, partials map[string]*template.Template, md bool, fns map[string]any) (*template.Template, error) {
	t := template.New(label).Option("missingkey=error").Funcs(fns)
	if md {
		t.Funcs(template.FuncMap{mdEscapeFunc: mdEscape})
	}
	if err := eachPartialTree(partials, func(n string, tr *parse.Tree) error { _, err := t.AddParseTree(n, tr); return err }); err != nil {
		return nil, err
	}
	if _, err := t.Parse(p.padded()); err != nil {
		return nil, cleanErr(err)
	}
	if md {
		escapeActions(t)
	}
	return t, nil
}

// parseHTML parses a piece of a file as an html/template that can call the
// given partials; html/template escapes every value for where it appears.
func parseHTML(label string, p piece, partials map[string]*template.Template, fns map[string]any) (*htmltemplate.Template, error) {
	t := htmltemplate.New(label).Option("missingkey=error").Funcs(fns)
	if err := eachPartialTree(partials, func(n string, tr *parse.Tree) error { _, err := t.AddParseTree(n, tr); return err }); err != nil {
		return nil, err
	}
	if _, err := t.Parse(p.padded()); err != nil {
		return nil, cleanErr(err)
	}
	return t, nil
}

// cleanErr turns "template: FILE:LINE: msg" (and html/template's
// "html/template:FILE:LINE: msg") into "FILE:LINE: msg".
func cleanErr(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "template: ")
	msg = strings.TrimPrefix(msg, "html/template:")
	return errors.New(msg)
}
