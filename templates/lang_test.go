package templates

import (
	"regexp"
	"strings"
	"testing"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/rules/lang"
)

// builtinLangs are the languages every built-in template is written in.
var builtinLangs = []core.Lang{core.German, core.French, core.Spanish, core.Italian, core.Dutch, core.Portuguese,
	core.Polish, core.Swedish, core.Danish, core.Norwegian}

func TestEveryBuiltinTemplateIsWrittenInElevenLanguages(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Check(); err != nil {
		t.Fatal(err)
	}
	for _, name := range set.Names() {
		have := set.Langs(name)
		for _, l := range builtinLangs {
			if !contains(have, l) {
				t.Errorf("%s has no %s version (%s.%s.txt)", name, l, name, l)
				continue
			}
			rs, err := set.Preview(name, l, Sample())
			if err != nil {
				t.Errorf("%s.%s: %v", name, l, err)
				continue
			}
			for _, r := range rs {
				if r.Lang != l {
					t.Errorf("%s.%s rendered as %q", name, l, r.Lang)
				}
			}
		}
	}
}

func contains(ls []core.Lang, l core.Lang) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

var (
	actions    = regexp.MustCompile(`\{\{.*?\}\}`)
	frontMatch = regexp.MustCompile(`(?s)\A---\n.*?\n---\n`)
	// Words that are English and nothing else in the eleven languages.
	englishWords = regexp.MustCompile(`(?i)\b(the|and|you|your|thanks|thank|please|with|would|our|that|this|what|when|just|reply|customer|we're|i'm|i'll|don't|here)\b`)
)

// TestNoEnglishIsLeftInATranslatedTemplate reads every built-in
// translation as written (template actions and front matter aside) and
// fails on an English word, or on text whose language is not the file's.
func TestNoEnglishIsLeftInATranslatedTemplate(t *testing.T) {
	entries, err := defaultFS.ReadDir("defaults")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		stem := strings.TrimSuffix(e.Name(), ".txt")
		_, l, ok := splitLang(strings.TrimPrefix(stem, "_"))
		if !ok || l == "" || l == core.English {
			continue
		}
		b, _ := defaultFS.ReadFile("defaults/" + e.Name())
		text := frontMatch.ReplaceAllString(string(b), "")
		// The subject line of a front matter is words too.
		if m := regexp.MustCompile(`(?m)^subject: (.*)$`).FindStringSubmatch(string(b)); m != nil {
			text = m[1] + "\n" + text
		}
		text = actions.ReplaceAllString(text, " ")
		text = strings.ReplaceAll(text, "--- variant ---", "")
		// Commands and addresses are the same in every language.
		text = regexp.MustCompile(`followupd( \w+)?|#\w+|\S+@\S+|mailto:\S+`).ReplaceAllString(text, " ")
		if w := englishWords.FindString(text); w != "" {
			t.Errorf("%s: English word %q left in the %s text", e.Name(), w, l)
		}
		if len(strings.Fields(text)) < 12 {
			continue // a partial too short to tell its language
		}
		if d := lang.Detect(text); d.Lang != l {
			t.Errorf("%s reads as %q, not %s (margin %.2f)", e.Name(), d.Lang, l, d.Margin)
		}
	}
}
