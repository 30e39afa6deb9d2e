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
)

//go:embed defaults/*
var defaultFS embed.FS

// file is one template or partial file as read.
type file struct {
	label string // what errors call it: a path, or "builtin:NAME.txt"
	src   string
}

// folder is what one directory of templates holds, by name.
type folder struct {
	text, html, md map[string]file // NAME.txt, NAME.html, NAME.md by NAME
	partials       map[string]file // _NAME.EXT by "NAME.EXT"
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

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
		if !nameRE.MatchString(strings.TrimPrefix(stem, "_")) {
			errs = append(errs, fmt.Errorf("%s: template names are lower-case letters, digits, - and _", label(base)))
			continue
		}
		b, err := fs.ReadFile(fsys, base)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fl := file{label: label(base), src: strings.TrimPrefix(string(b), "\ufeff")} // editors may add a BOM
		switch {
		case partial:
			f.partials[strings.TrimPrefix(base, "_")] = fl
		case ext == ".txt":
			f.text[stem] = fl
		case ext == ".html":
			f.html[stem] = fl
		default:
			f.md[stem] = fl
		}
	}
	for _, m := range []map[string]file{f.html, f.md} {
		for stem, fl := range m {
			if _, ok := f.text[stem]; !ok {
				errs = append(errs, fmt.Errorf("%s: there is no %s.txt next to it; the text part is required", fl.label, stem))
			}
		}
	}
	return f, errs
}

// Load parses the built-in templates and then, if dir is not empty, the
// templates in dir: a NAME.txt there replaces the built-in NAME (with its
// HTML), and a partial _NAME.EXT replaces the built-in partial of the same
// name and extension. Every problem found is returned, each naming its file
// and, where it has one, its line.
func Load(dir string) (*Set, error) {
	defaults, _ := fs.Sub(defaultFS, "defaults")
	merged, errs := readFolder(defaults, func(base string) string { return "builtin:" + base })
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		owner, oerrs := readFolder(os.DirFS(dir), func(base string) string { return filepath.Join(dir, base) })
		errs = append(errs, oerrs...)
		if owner != nil {
			for stem, fl := range owner.text {
				merged.text[stem] = fl
				delete(merged.html, stem)
				delete(merged.md, stem)
				if h, ok := owner.html[stem]; ok {
					merged.html[stem] = h
				}
				if m, ok := owner.md[stem]; ok {
					merged.md[stem] = m
				}
			}
			for k, fl := range owner.partials {
				merged.partials[k] = fl
			}
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

// sortedKeys returns m's keys in order, so errors come out in a stable order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
