package inbox

import (
	"regexp"
	"strings"
	"unicode"
)

// forwardEmail matches an email address in forwarded header text. The
// domain needs a dot; letters of any script are allowed (message/global).
var forwardEmail = regexp.MustCompile(`[\p{L}\p{N}._%+\-!#$&*/=?^{|}~]+@[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?)+`)

var (
	markdownMailto = regexp.MustCompile(`\[([^\[\]]{0,200})\]\(mailto:([^()\s]{1,200})\)`)
	bracketMailto  = regexp.MustCompile(`\[mailto:([^\[\]\s]{1,200})\]`)
	angleMailto    = regexp.MustCompile(`<mailto:([^<>\s]{0,200})>`)
)

// normalizeMailto rewrites the link forms that HTML-to-text conversion and
// Outlook leave in addresses into plain `Name <addr>`:
// `Name [mailto:a]`, `Name<mailto:a>`, `<a<mailto:a>>`, `[a](mailto:a)`.
func normalizeMailto(s string) string {
	if !strings.Contains(strings.ToLower(s), "mailto:") {
		return s
	}
	s = markdownMailto.ReplaceAllStringFunc(s, func(m string) string {
		sub := markdownMailto.FindStringSubmatch(m)
		if strings.Contains(sub[1], "@") || strings.TrimSpace(sub[1]) == "" {
			return sub[2]
		}
		return sub[1] + " <" + sub[2] + ">"
	})
	s = bracketMailto.ReplaceAllString(s, "<$1>")
	var b strings.Builder
	last := 0
	for _, loc := range angleMailto.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:loc[0]])
		if loc[0] == 0 || s[loc[0]-1] == ' ' || s[loc[0]-1] == '\t' || s[loc[0]-1] == ',' || s[loc[0]-1] == ';' {
			b.WriteString("<" + s[loc[2]:loc[3]] + ">")
		}
		last = loc[1]
	}
	b.WriteString(s[last:])
	s = b.String()
	return strings.ReplaceAll(strings.ReplaceAll(s, "mailto:", ""), "MAILTO:", "")
}

// parseSender reads the first address in a header value, with the display
// name written before it (`Name <a>`, `"Name" <a>`, `Smith, John <a>`,
// `Name (a)`) or after it (`a (Name)`). Text after the address, such as
// "on behalf of x@y", is ignored.
func parseSender(v string) (Address, bool) {
	v = normalizeMailto(v)
	loc := forwardEmail.FindStringIndex(v)
	if loc == nil {
		return Address{}, false
	}
	email := strings.Trim(v[loc[0]:loc[1]], ".-")
	if !strings.Contains(email, "@") {
		return Address{}, false
	}
	before, after := v[:loc[0]], v[loc[1]:]
	bt := strings.TrimRight(before, " \t")
	var name string
	switch {
	case strings.HasSuffix(bt, "<") || strings.HasSuffix(bt, "("):
		name = bt[:len(bt)-1]
	case strings.TrimSpace(bt) != "":
		name = bt
	default:
		at := strings.TrimLeft(after, "> \t")
		if strings.HasPrefix(at, "(") {
			if j := strings.IndexByte(at, ')'); j > 0 {
				name = at[1:j]
			}
		}
	}
	return Address{Name: cleanForwardName(name, email), Email: email}, true
}

// cleanForwardName trims quotes, brackets and punctuation around a display
// name and drops names that are only an address.
func cleanForwardName(name, email string) string {
	name = strings.Join(strings.Fields(name), " ")
	for range 4 {
		n := len(name)
		name = strings.TrimSpace(name)
		name = strings.Trim(name, "\"'«»„“”‚‘’()<>[],;:")
		if len(name) == n {
			break
		}
	}
	if name == "" || strings.Contains(name, "@") || strings.EqualFold(name, email) {
		return ""
	}
	if !strings.ContainsFunc(name, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return ""
	}
	return validString(name)
}

// parseForwardList reads every address of a To or Cc value.
func parseForwardList(v string) []Address {
	var out []Address
	for _, chunk := range splitAddresses(normalizeMailto(v)) {
		if a, ok := parseSender(chunk); ok {
			out = append(out, a)
		}
		if len(out) >= 100 {
			break
		}
	}
	return out
}

// attributionName guesses the display name in an attribution line such as
// `On 28/10/2021 12:46, "John Doe" <a@x> wrote:` or
// `Op 28/10/2021 12:46 heeft John Doe <a@x> geschreven:`, from the text
// before the address: a quoted name, else the trailing run of capitalized
// (or uncased-script) words.
func attributionName(before string) string {
	b := strings.TrimRight(before, " \t<(")
	if b == "" {
		return ""
	}
	openers := map[rune]string{'"': `"`, '»': "«", '”': "“„", '“': "„", '\'': "'"}
	r := []rune(b)
	if open, ok := openers[r[len(r)-1]]; ok {
		inner := string(r[:len(r)-1])
		if i := strings.LastIndexAny(inner, open); i >= 0 {
			_, size := firstRune(inner[i:])
			return cleanForwardName(inner[i+size:], "")
		}
	}
	words := strings.Fields(b)
	var name []string
	for k := len(words) - 1; k >= 0 && len(name) < 4; k-- {
		w := words[k]
		if strings.HasSuffix(w, ",") || strings.ContainsFunc(w, unicode.IsDigit) {
			break
		}
		r := []rune(w)
		if !unicode.IsLetter(r[0]) || unicode.IsLower(r[0]) {
			break
		}
		if len(r) <= 3 && strings.ToUpper(w) == w && unicode.IsUpper(r[0]) {
			break // AM, PM, CET
		}
		name = append([]string{w}, name...)
	}
	return strings.Join(name, " ")
}
