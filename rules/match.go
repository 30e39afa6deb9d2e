package rules

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
)

// rule is a compiled classification rule.
type rule struct {
	name     string
	category core.Category
	tags     []string
	words    []string // lower-cased
	subject  []string
	regex    *regexp.Regexp
	from     []string
	headers  []headerMatch
}

type headerMatch struct {
	name string
	re   *regexp.Regexp
}

func compileRule(r config.Rule) (rule, error) {
	c := rule{name: r.Name, category: r.Category, tags: r.Tags, words: lowerAll(r.Words), subject: lowerAll(r.Subject), from: lowerAll(r.From)}
	if r.Regex != "" {
		re, err := regexp.Compile(r.Regex)
		if err != nil {
			return c, fmt.Errorf("rule %s: %w", r.Name, err)
		}
		c.regex = re
	}
	for _, h := range r.Header {
		name, expr, _ := strings.Cut(h, ":")
		re, err := regexp.Compile(strings.TrimSpace(expr))
		if err != nil {
			return c, fmt.Errorf("rule %s: header %q: %w", r.Name, h, err)
		}
		c.headers = append(c.headers, headerMatch{name: strings.TrimSpace(name), re: re})
	}
	return c, nil
}

func lowerAll(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x = strings.ToLower(strings.TrimSpace(x)); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// facts is what rules match against.
type facts struct {
	subject string // lower-cased
	text    string // the customer's own words, lower-cased
	from    string // lower-cased address
	msg     *inbox.Message
}

func (r rule) matches(f facts) bool {
	if len(r.words) > 0 && !containsAny(f.subject, r.words) && !containsAny(f.text, r.words) {
		return false
	}
	if len(r.subject) > 0 && !containsAny(f.subject, r.subject) {
		return false
	}
	if r.regex != nil && !r.regex.MatchString(f.subject) && !r.regex.MatchString(f.text) {
		return false
	}
	if len(r.from) > 0 && !fromMatches(f.from, r.from) {
		return false
	}
	for _, h := range r.headers {
		if f.msg == nil || !anyMatch(h.re, f.msg.Header.Values(h.name)) {
			return false
		}
	}
	return true
}

func anyMatch(re *regexp.Regexp, vs []string) bool {
	for _, v := range vs {
		if re.MatchString(v) {
			return true
		}
	}
	return false
}

func fromMatches(from string, pats []string) bool {
	_, domain, _ := strings.Cut(from, "@")
	for _, p := range pats {
		p = strings.TrimPrefix(p, "@")
		switch {
		case strings.Contains(p, "@"):
			if from == p {
				return true
			}
		case domain == p || strings.HasSuffix(domain, "."+p):
			return true
		}
	}
	return false
}

// containsAny reports whether text holds one of the phrases as whole
// words: the characters around a match are not letters or digits. Phrases
// in scripts written without spaces (CJK) match anywhere; "?" matches a
// question mark anywhere.
func containsAny(text string, phrases []string) bool {
	for _, p := range phrases {
		if containsPhrase(text, p) {
			return true
		}
	}
	return false
}

func containsPhrase(text, p string) bool {
	if p == "" {
		return false
	}
	for start := 0; start <= len(text); {
		i := strings.Index(text[start:], p)
		if i < 0 {
			return false
		}
		i += start
		before, after := rune(' '), rune(' ')
		if i > 0 {
			before = lastRune(text[:i])
		}
		if j := i + len(p); j < len(text) {
			after = firstRune(text[j:])
		}
		if (!wordRune(before) || !wordRune(firstRune(p)) || noSpaces(firstRune(p))) &&
			(!wordRune(after) || !wordRune(lastRune(p)) || noSpaces(lastRune(p))) {
			return true
		}
		start = i + 1
	}
	return false
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// noSpaces reports scripts that do not separate words with spaces.
func noSpaces(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Hangul)
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return ' '
}

func lastRune(s string) rune {
	rs := []rune(s)
	if len(rs) == 0 {
		return ' '
	}
	return rs[len(rs)-1]
}
