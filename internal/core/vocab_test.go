package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// vocabulary is every value this package defines: none may be spelled as
// a string literal anywhere else.
func vocabulary() map[string]bool {
	v := map[string]bool{}
	for _, k := range []Kind{KindCustomer, KindReply, KindForward, KindOwnerReply, KindOwnerCommand, KindUnattributed,
		KindOwner, KindBounce, KindAuto, KindSelf, KindMalformed, KindOptOut} {
		v[string(k)] = true
	}
	for _, c := range Categories {
		v[string(c)] = true
	}
	for _, e := range Events {
		v[string(e)] = true
	}
	for _, r := range Recipients {
		v[string(r)] = true
	}
	for _, c := range Conditions {
		v[string(c)] = true
	}
	for _, a := range []Action{Send, Wait, Skip, Cancel} {
		v[string(a)] = true
	}
	for _, s := range States {
		v[string(s)] = true
	}
	for _, a := range []Actor{ByTag, ByCommand, ByOwnerReply} {
		v[string(a)] = true
	}
	for _, t := range []Tag{TagResolved, TagStop, TagVIP, TagIgnore, TagLang} {
		v[string(t)] = true
	}
	v[string(AsksRating)] = true
	return v
}

// logCalls are the functions whose string arguments are log messages and
// attribute keys ("customer", email), not vocabulary.
var logCalls = map[string]bool{"Info": true, "Warn": true, "Error": true, "Debug": true, "With": true, "note": true, "log": true,
	"Skipped": true, "Ingested": true}

// coincidences are files whose strings are other things that happen to be
// spelled like a vocabulary word, and why.
var coincidences = map[string]string{
	"inbox/":                        "the words of raw mail: header labels, DSN fields, SMTP replies",
	"mailer/errors.go":              "SMTP reply words",
	"rules/meaning/":                "cue signal names and the customers' own words",
	"internal/admin/skip.go":        "the metrics' skip labels, a vocabulary of their own",
	"internal/demo/timeline.go":     "log attribute keys, read back from the log",
	"cmd/followupd/main.go":         "command names",
	"cmd/followupd/owner.go":        "command and flag names",
	"cmd/followupd/digest.go":       "flag names",
	"templates/funcs.go":            "the template function reply",
	"rules/plan.go":                 "words in the names of feedback templates",
	"cmd/followupd-bench/daemon.go": "a TOML config written for the benchmark",
}

// TestNoVocabularyLiteralOutsideCore fails when a kind, category, event,
// recipient, condition, action, state, actor or tag is spelled as a
// string literal outside this package (tests and log keys aside): it must
// be the constant, so that config, the store, rules and templates agree.
func TestNoVocabularyLiteralOutsideCore(t *testing.T) {
	vocab := vocabulary()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".")) || path == filepath.Join(root, "internal", "core") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		for prefix := range coincidences {
			if strings.HasPrefix(filepath.ToSlash(rel), prefix) {
				return nil
			}
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		skip := map[*ast.BasicLit]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if n.Tag != nil {
					skip[n.Tag] = true
				}
			case *ast.CompositeLit:
				// []any{"customer", email, ...}: log attributes.
				if at, ok := n.Type.(*ast.ArrayType); ok {
					if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "any" {
						for _, e := range n.Elts {
							if lit, ok := e.(*ast.BasicLit); ok {
								skip[lit] = true
							}
						}
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				if logCalls[name] {
					for _, a := range n.Args {
						if lit, ok := a.(*ast.BasicLit); ok {
							skip[lit] = true
						}
					}
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING || skip[n] {
					return true
				}
				s, err := strconv.Unquote(n.Value)
				if err == nil && vocab[s] {
					t.Errorf("%s: %q is vocabulary: use the constant of package core", fset.Position(n.Pos()), s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
