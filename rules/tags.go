package rules

import (
	"strings"
	"unicode"
)

// Owner tags with a meaning; others are kept as plain labels.
const (
	TagInquiry   = "inquiry"
	TagPurchase  = "purchase"
	TagComplaint = "complaint"
	TagFeedback  = "feedback"
	TagResolved  = "resolved"
	TagStop      = "stop"
	TagVIP       = "vip"
	TagIgnore    = "ignore"
)

// ParseTags returns the #tags in the texts, lower-cased, without "#",
// each once, in order of first appearance. A tag starts a word ("#vip",
// "(#vip)") and is made of letters, digits, "-" and "_"; "C#" or an URL
// fragment ("x.html#top") is not a tag.
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
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '-' || rs[j] == '_') {
				j++
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

func hasTag(tags []string, t string) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
}

// categoryFromTags returns the category an owner tag sets, if any.
func categoryFromTags(tags []string) string {
	for _, t := range []string{TagComplaint, TagPurchase, TagFeedback, TagInquiry} {
		if hasTag(tags, t) {
			return t
		}
	}
	return ""
}
