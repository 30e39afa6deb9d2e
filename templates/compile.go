package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
	"text/template/parse"
)

// Set is a loaded, parsed set of templates. It does not change after Load
// and is safe for concurrent use.
type Set struct {
	byName map[string]*tmpl
}

// tmpl is one parsed template with its variants.
type tmpl struct {
	name        string
	file        string // where it came from: a path, or "builtin:NAME.txt"
	description string
	variants    []*variant
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

// compile parses every template in f against the partials of its kind.
func compile(f *folder) (*Set, []error) {
	var errs []error
	partials := map[string]map[string]*template.Template{kindText: {}, kindMD: {}, kindHTML: {}}
	for _, k := range sortedKeys(f.partials) {
		fl := f.partials[k]
		name, ext, _ := strings.Cut(k, ".")
		// A partial's final newline is not part of it: "Hi {{template "hi" .}},".
		src := strings.TrimSuffix(strings.ReplaceAll(fl.src, "\r\n", "\n"), "\n")
		pt, err := template.New(fl.label).Funcs(funcs).Parse(src)
		if err != nil {
			errs = append(errs, cleanErr(err))
			continue
		}
		partials[ext][name] = pt
	}
	// Markdown templates use the .txt partials unless a .md one is given.
	for name, pt := range partials[kindText] {
		if _, ok := partials[kindMD][name]; !ok {
			partials[kindMD][name] = pt
		}
	}

	set := &Set{byName: map[string]*tmpl{}}
	for _, name := range sortedKeys(f.text) {
		t, err := compileTemplate(name, f, partials)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		set.byName[name] = t
	}
	return set, errs
}

func compileTemplate(name string, f *folder, partials map[string]map[string]*template.Template) (*tmpl, error) {
	fl := f.text[name]
	src, err := parseSource(fl.label, fl.src)
	if err != nil {
		return nil, err
	}
	t := &tmpl{name: name, file: fl.label, description: src.description}

	// The HTML part: from a companion file, or the body itself as Markdown.
	var companion *file
	kind := ""
	if h, ok := f.html[name]; ok {
		companion, kind = &h, kindHTML
	}
	if m, ok := f.md[name]; ok {
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
		return nil, fmt.Errorf("%s:1: html: true, but there is no %s.html or %s.md next to it", fl.label, name, name)
	}
	var htmlPieces []piece
	if companion != nil {
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
		v.key = name + "/" + hex.EncodeToString(sum[:4])
		if j, dup := keys[v.key]; dup {
			return nil, fmt.Errorf("%s:%d: variant %d says the same as variant %d", fl.label, vs.line, i+1, j+1)
		}
		keys[v.key] = i
		var err error
		if v.subject, err = parseText(fl.label, vs.subject, nil, false); err != nil {
			return nil, err
		}
		if v.text, err = parseText(fl.label, vs.body, partials[kindText], false); err != nil {
			return nil, err
		}
		switch {
		case src.html == "markdown":
			v.md, err = parseText(fl.label, vs.body, partials[kindMD], true)
		case kind == kindMD:
			v.md, err = parseText(companion.label, htmlPieces[i], partials[kindMD], true)
		case kind == kindHTML:
			v.html, err = parseHTML(companion.label, htmlPieces[i], partials[kindHTML])
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
func parseText(label string, p piece, partials map[string]*template.Template, md bool) (*template.Template, error) {
	t := template.New(label).Option("missingkey=error").Funcs(funcs)
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
func parseHTML(label string, p piece, partials map[string]*template.Template) (*htmltemplate.Template, error) {
	t := htmltemplate.New(label).Option("missingkey=error").Funcs(funcs)
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
