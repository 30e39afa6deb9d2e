package meaning

import "testing"

// TestPatternForms checks each form of the cue files' patterns (see
// lexicon/README.md) against sentences that it must and must not match.
func TestPatternForms(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"broken", []string{"it is broken", "BROKEN!"}, []string{"it is brokenly", "unbroken"}},
		{"damag*", []string{"arrived damaged", "the damage"}, []string{"undamaged", "dam"}},
		{"*torte", []string{"die Hochzeitstorte war", "eine Torte"}, []string{"Tortenheber"}},
		{"only #|none", []string{"only 18 came", "only none"}, []string{"only six came", "only 1a"}},
		{"thanks|thank_you", []string{"thank you so much", "thanks"}, []string{"thank goodness", "you thank"}},
		{"@item ~3 arriv*", []string{"the parcel finally arrived", "parcel arrived", "my order has not yet arrived"}, []string{"the parcel was left and then it arrived"}},
		{"=hätte gern", []string{"ich hätte gern"}, []string{"ich hatte gern"}},
		{"not [yet] arrived", []string{"not arrived", "not yet arrived"}, []string{"not even arrived"}},
		{"came $", []string{"it never came"}, []string{"it came back"}},
		{"came today|$", []string{"it never came", "it came today"}, []string{"it came back"}},
		{"^ can i", []string{"can I pay by card"}, []string{"sadly I can I think"}},
		{"je_ne_sais_pas|rien", []string{"je ne sais pas", "rien"}, []string{"je ne sais"}},
		{"déçu", []string{"très DÉÇU", "decu"}, nil},
		{"does not work", []string{"it doesn't work", "it does not work"}, []string{"it does work"}},
	}
	for _, tt := range tests {
		src := "@item = order|parcel|package*\nproblem 1 " + tt.pattern + "\n"
		cues, err := compileCues("xx", "xx.txt", src)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		lx := newLexicon("xx", cues)
		matches := func(text string) bool {
			c := tokenize(text)
			var sc scan
			sc.mark(lx, c.toks)
			for i := range c.toks {
				for _, cu := range sc.candidates(i, nil) {
					if _, _, ok := sc.match(cu, i); ok {
						return true
					}
				}
			}
			return false
		}
		for _, s := range tt.match {
			if !matches(s) {
				t.Errorf("%q does not match %q", tt.pattern, s)
			}
		}
		for _, s := range tt.miss {
			if matches(s) {
				t.Errorf("%q matches %q", tt.pattern, s)
			}
		}
	}
}

func TestPatternErrors(t *testing.T) {
	for _, line := range []string{
		"problem 1 ~2 broken",       // starts with a gap
		"problem 1 broken ~2",       // ends with a gap
		"problem 1 [broken] parcel", // starts optional
		"problem 1 broken ~9 parcel",
		"problem 1 @nope",
		"problem 1 a||b",
		"problem 1 broken|^",
		"problem one broken",
		"nonsense 1 broken",
		"@set a|b",
	} {
		if _, err := compileCues("xx", "xx.txt", line+"\n"); err == nil {
			t.Errorf("%q compiles", line)
		}
	}
}
