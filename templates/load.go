package templates

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/followupd/followupd/internal/core"
)

//go:embed defaults/*
var defaultFS embed.FS

// builtinLabel starts the label of a built-in file: "builtin:thank-you.txt".
const builtinLabel = "builtin:"

// file is one template or partial file as read.
type file struct {
	label string // what errors call it: a path, or "builtin:NAME.txt"
	src   string
}

// folder is what one directory of templates holds. Templates are keyed
// by NAME, or NAME.LANG for a language's version (thank-you.de); partials
// by NAME.EXT or NAME.LANG.EXT (hi.de.txt).
type folder struct {
	text, html, md map[string]file
	partials       map[string]file
}

var (
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	langRE = regexp.MustCompile(`^[a-z]{2}$`)
)

// splitLang splits "thank-you.de" into "thank-you" and "de" ("no" is read
// as "nb"); a stem without a language gives "".
func splitLang(stem string) (name string, lang core.Lang, ok bool) {
	name, l, found := strings.Cut(stem, ".")
	if !found {
		return stem, "", true
	}
	if !langRE.MatchString(l) {
		return "", "", false
	}
	lang, _ = core.ParseLang(l)
	return name, lang, true
}

// key is how a folder keys a template or partial of a language.
func key(name string, lang core.Lang) string {
	if lang == "" {
		return name
	}
	return name + "." + string(lang)
}

// readFolder reads every .txt, .html and .md file of fsys's top level.
// Other files, README files and hidden files are ignored.
func readFolder(fsys fs.FS, label func(base string) string) (*folder, []error) {
	f := &folder{text: map[string]file{}, html: map[string]file{}, md: map[string]file{}, partials: map[string]file{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, []error{err}
	}
	var errs []error
	for _, e := range entries {
		base := e.Name()
		ext := path.Ext(base)
		stem := strings.TrimSuffix(base, ext)
		if e.IsDir() || strings.HasPrefix(base, ".") || strings.EqualFold(stem, "readme") ||
			(ext != ".txt" && ext != ".html" && ext != ".md") {
			continue
		}
		partial := strings.HasPrefix(stem, "_")
		name, lang, ok := splitLang(strings.TrimPrefix(stem, "_"))
		if !ok || !nameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("%s: template names are lower-case letters, digits, - and _, then an optional language: NAME.txt, NAME.de.txt", label(base)))
			continue
		}
		b, err := fs.ReadFile(fsys, base)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fl := file{label: label(base), src: strings.TrimPrefix(string(b), "\ufeff")} // editors may add a BOM
		k := key(name, lang)
		switch {
		case partial:
			f.partials[k+ext] = fl
		case ext == ".txt":
			f.text[k] = fl
		case ext == ".html":
			f.html[k] = fl
		default:
			f.md[k] = fl
		}
	}
	for _, m := range []map[string]file{f.html, f.md} {
		for k, fl := range m {
			if _, ok := f.text[k]; !ok {
				errs = append(errs, fmt.Errorf("%s: there is no %s.txt next to it; the text part is required", fl.label, k))
			}
		}
	}
	return f, errs
}

// Load parses the built-in templates and then, if dir is not empty, the
// templates in dir. A NAME.txt there replaces the built-in NAME with its
// HTML and every built-in translation of it (NAME.de.txt, ...), so an
// owner's own words are never overruled by a built-in translation; a
// NAME.LANG.txt there replaces (or adds) that language's version alone.
// Partials work the same way: _NAME.EXT replaces the built-in partial and
// its translations, _NAME.LANG.EXT one language's. Every problem found is
// returned, each naming its file and, where it has one, its line.
func Load(dir string) (*Set, error) {
	defaults, _ := fs.Sub(defaultFS, "defaults")
	merged, errs := readFolder(defaults, func(base string) string { return builtinLabel + base })
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		owner, oerrs := readFolder(os.DirFS(dir), func(base string) string { return filepath.Join(dir, base) })
		errs = append(errs, oerrs...)
		if owner != nil {
			merged.overlay(owner)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	set, errs := compile(merged)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// overlay lays the owner's folder o over the built-in one.
func (f *folder) overlay(o *folder) {
	drop := func(m map[string]file, k string, family bool) {
		for have := range m {
			if have == k || family && strings.HasPrefix(have, k+".") {
				delete(m, have)
			}
		}
	}
	for _, k := range sortedKeys(o.text) {
		base := !strings.Contains(k, ".")
		for _, m := range []map[string]file{f.text, f.html, f.md} {
			drop(m, k, base)
		}
	}
	for _, k := range sortedKeys(o.text) {
		f.text[k] = o.text[k]
		if h, ok := o.html[k]; ok {
			f.html[k] = h
		}
		if m, ok := o.md[k]; ok {
			f.md[k] = m
		}
	}
	for _, k := range sortedKeys(o.partials) {
		name, ext := k[:strings.LastIndex(k, ".")], path.Ext(k)
		if !strings.Contains(name, ".") {
			// The owner's base partial: drop the built-in one and its translations.
			for have := range f.partials {
				if have == k || strings.HasPrefix(have, name+".") && strings.HasSuffix(have, ext) {
					delete(f.partials, have)
				}
			}
		}
	}
	for k, fl := range o.partials {
		f.partials[k] = fl
	}
}

// sortedKeys returns m's keys in order, so errors come out in a stable order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
