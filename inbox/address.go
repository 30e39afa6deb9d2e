package inbox

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2"
)

// addressList parses every field named key as a list of addresses: with
// enmime.ParseAddressList first (net/mail, retried with missing commas
// added), then with the hand-written lenient reader below for the broken
// forms no library accepts (unquoted commas in names, unclosed brackets,
// bare "foo@bar (Foo)" mixtures, encoded words in unknown charsets).
// Entries without any x@y are dropped.
func (p *parser) addressList(key string) []Address {
	v := strings.Join(p.msg.Header.Values(key), ", ")
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if list, err := enmime.ParseAddressList(v); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: p.cleanName(a.Name, a.Address), Email: strings.TrimSpace(a.Address)})
		}
		return out
	}
	var out []Address
	for _, chunk := range splitAddresses(v) {
		if a, ok := p.lenientAddress(chunk); ok {
			out = append(out, a)
		}
	}
	return out
}

// splitAddresses splits v at commas outside quotes, angle brackets and
// comments, then joins a piece without "@" to the next one, so that the
// unquoted `Smith, John <j@x.com>` stays one address.
func splitAddresses(v string) []string {
	var pieces []string
	quoted, angle, paren := false, false, 0
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case (c == ',' || c == ';') && !angle && paren == 0:
			pieces = append(pieces, v[start:i])
			start = i + 1
		}
	}
	pieces = append(pieces, v[start:])

	var out []string
	pending := ""
	for _, s := range pieces {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "@") {
			pending = s // only the last piece joins the next address
			continue
		}
		if pending != "" {
			s = pending + ", " + s
			pending = ""
		}
		out = append(out, s)
	}
	return out
}

var emailToken = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[^\s<>"'(),;:\[\]]+`)

// lenientAddress reads one address from forms such as `foo@bar.com (Foo)`,
// `"Foo" foo@bar.com`, `<foo@bar.com>` and `Foo <foo@bar.com`.
func (p *parser) lenientAddress(s string) (Address, bool) {
	s = strings.TrimSpace(s)
	// Drop a group name ("Team: a@x;").
	if i := strings.IndexByte(s, ':'); i >= 0 && !strings.ContainsAny(s[:i], `<@"`) {
		s = strings.TrimSpace(s[i+1:])
	}
	var name, email string
	if i := strings.IndexByte(s, '<'); i >= 0 {
		rest := s[i+1:]
		after := ""
		if j := strings.IndexByte(rest, '>'); j >= 0 {
			rest, after = rest[:j], rest[j+1:]
		}
		email = strings.Trim(rest, " \t\"'<>")
		name = s[:i]
		if strings.TrimSpace(name) == "" {
			name = after
		}
	} else if loc := emailToken.FindStringIndex(s); loc != nil {
		email = s[loc[0]:loc[1]]
		name = s[:loc[0]] + " " + s[loc[1]:]
	}
	if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t") {
		tok := emailToken.FindString(s)
		if tok == "" {
			return Address{}, false
		}
		email, name = tok, ""
	}
	email = strings.TrimRight(email, ".")
	return Address{Name: p.cleanName(name, email), Email: validString(email)}, true
}

// cleanName trims quotes, comment parentheses and escapes from a display
// name, decodes encoded words left in it, and drops a name that only
// repeats the email.
func (p *parser) cleanName(name, email string) string {
	name = strings.TrimSpace(name)
	for range 4 {
		n := len(name)
		name = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(name, "("), ")"))
		if len(name) >= 2 && (name[0] == '"' && name[len(name)-1] == '"' || name[0] == '\'' && name[len(name)-1] == '\'') {
			name = strings.TrimSpace(name[1 : len(name)-1])
		}
		if len(name) == n {
			break
		}
	}
	name = strings.Trim(name, `"`)
	name = strings.ReplaceAll(name, `\"`, `"`)
	name = strings.ReplaceAll(name, `\\`, `\`)
	name = strings.Join(strings.Fields(p.decodeWords(name)), " ")
	hasWord := strings.ContainsFunc(name, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
	if !hasWord || strings.EqualFold(name, email) || strings.EqualFold(name, "<"+email+">") {
		return ""
	}
	return name
}
