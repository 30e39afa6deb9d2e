package core

import "strings"

// Lang is a language as an ISO 639-1 code: "en", "de", "nb". The empty
// Lang is "not known".
type Lang string

// The languages followupd reads and writes.
const (
	English    Lang = "en"
	German     Lang = "de"
	French     Lang = "fr"
	Spanish    Lang = "es"
	Italian    Lang = "it"
	Dutch      Lang = "nl"
	Portuguese Lang = "pt"
	Polish     Lang = "pl"
	Swedish    Lang = "sv"
	Danish     Lang = "da"
	Norwegian  Lang = "nb" // Bokmål; "no" is accepted as an alias
)

// Langs lists the languages followupd knows, English first.
var Langs = []Lang{English, German, French, Spanish, Italian, Dutch, Portuguese, Polish, Swedish, Danish, Norwegian}

var langNames = map[Lang]string{
	English: "English", German: "Deutsch", French: "français", Spanish: "español", Italian: "italiano",
	Dutch: "Nederlands", Portuguese: "português", Polish: "polski", Swedish: "svenska", Danish: "dansk",
	Norwegian: "norsk bokmål",
}

// ParseLang reads a language code: "de", "DE", "de-AT", "pt_BR", "no" and
// "nb-NO" (Norwegian Bokmål is "nb"). It reports false for a code that is
// not ISO 639-1 shaped; a well-formed code of a language followupd has no
// words for is returned as it is, so that templates in it can still be
// chosen.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if len(s) != 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z' {
		return "", false
	}
	if s == "no" {
		return Norwegian, true
	}
	return Lang(s), true
}

// Known reports whether followupd has words for l.
func (l Lang) Known() bool { return contains(Langs, l) }

// Name is the language's own name for itself, "Deutsch"; the code when
// followupd does not know it.
func (l Lang) Name() string {
	if n, ok := langNames[l]; ok {
		return n
	}
	return string(l)
}
