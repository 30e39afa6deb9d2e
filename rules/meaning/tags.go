package meaning

import (
	"strings"
	"unicode"

	"github.com/followupd/followupd/internal/core"
)

// ParseTags returns the #tags in the texts, lower-cased, without "#",
// each once, in order of first appearance. A tag starts a word ("#vip",
// "(#vip)") and is made of letters, digits, "-" and "_", with one ":"
// before a value ("#lang:de"); "C#" or an URL fragment ("x.html#top") is
// not a tag, and neither is an order number ("#4412").
func ParseTags(texts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, text := range texts {
		rs := []rune(text)
		for i := 0; i < len(rs); i++ {
			if rs[i] != '#' || (i > 0 && !isTagBoundary(rs[i-1])) {
				continue
			}
			j := i + 1
			colon := false
			for j < len(rs) {
				r := rs[j]
				if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
					j++
					continue
				}
				if r == ':' && !colon && j > i+1 && j+1 < len(rs) && (unicode.IsLetter(rs[j+1]) || unicode.IsDigit(rs[j+1])) {
					colon = true
					j++
					continue
				}
				break
			}
			if j == i+1 || j-i > 33 {
				continue
			}
			tag := strings.ToLower(string(rs[i+1 : j]))
			if allDigits(tag) { // "#123" is an order number, not a tag
				continue
			}
			if !seen[tag] {
				seen[tag] = true
				out = append(out, tag)
			}
			i = j - 1
		}
	}
	return out
}

func isTagBoundary(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("([{,;:>*_\"'", r)
}

func allDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// Tags are an owner's #tags, as ParseTags returns them.
type Tags []string

// Has reports whether the owner wrote #t.
func (ts Tags) Has(t core.Tag) bool {
	for _, x := range ts {
		if x == string(t) {
			return true
		}
	}
	return false
}

// Category returns the category an owner tag sets (#complaint, #purchase,
// #feedback, #inquiry, #other), if any; a complaint tag wins.
func (ts Tags) Category() core.Category {
	for _, c := range []core.Category{core.Complaint, core.Purchase, core.Feedback, core.Inquiry, core.Other} {
		if ts.Has(core.Tag(c)) {
			return c
		}
	}
	return ""
}

// Lang returns the language a #lang:xx tag sets, if any.
func (ts Tags) Lang() (core.Lang, bool) {
	prefix := string(core.TagLang) + ":"
	for _, x := range ts {
		if v, ok := strings.CutPrefix(x, prefix); ok {
			return core.ParseLang(v)
		}
	}
	return "", false
}
