// Package authn reads what a message carries about its own authenticity:
// the Authentication-Results fields (RFC 8601) that receiving servers
// stamp on it, Exchange's organization header, and its DKIM signatures,
// verified against DNS. It reports facts in header order and judges
// nothing: which server to believe, and whether the owner wrote the mail,
// is for package rules to say.
package authn

import (
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-msgauth/authres"
)

// Stamp is one Authentication-Results field.
type Stamp struct {
	// ID is the authserv-id, lower-cased: who wrote the field. It is ""
	// for Exchange Online's fields, which carry none.
	ID      string
	Results []Result
}

// Result is one method's result in a Stamp.
type Result struct {
	Method string // "dkim", "spf", "dmarc", "arc", ...
	Value  string // "pass", "fail", "softfail", "none", ...
	// Domain is what the result is about, lower-cased: dkim's header.d
	// (or the domain of header.i), spf's smtp.mailfrom domain (or
	// smtp.helo), dmarc's header.from.
	Domain string
}

// maxStamps bounds the fields read: a sender may write any number of
// them, and only the topmost ones were written by servers on the way in.
const maxStamps = 20

// Stamps returns the message's Authentication-Results fields, the topmost
// (written last, by the receiving server) first. A field that cannot be
// read at all is returned with no results, so that it still holds its
// place in the order.
func Stamps(h message.Header) []Stamp {
	var out []Stamp
	fields := h.FieldsByKey("Authentication-Results")
	for fields.Next() && len(out) < maxStamps {
		out = append(out, parseStamp(fields.Value()))
	}
	return out
}

// parseStamp reads one field. Exchange Online writes its results with no
// authserv-id ("spf=pass (sender IP is …) smtp.mailfrom=…; dkim=…"): such
// a field has ID "".
func parseStamp(v string) Stamp {
	v = stripComments(v)
	first, _, _ := strings.Cut(v, ";")
	if strings.Contains(first, "=") {
		v = "-;" + v // no authserv-id: give the parser one to skip
	}
	id, results, _ := authres.Parse(v) // results read before an error are kept
	s := Stamp{ID: strings.ToLower(id)}
	if s.ID == "-" {
		s.ID = ""
	}
	for _, r := range results {
		s.Results = append(s.Results, result(r))
	}
	return s
}

func result(r authres.Result) Result {
	switch r := r.(type) {
	case *authres.DKIMResult:
		d := r.Domain
		if d == "" {
			_, d, _ = strings.Cut(r.Identifier, "@")
		}
		return Result{Method: "dkim", Value: string(r.Value), Domain: domainOf(d)}
	case *authres.SPFResult:
		d := r.From
		if d == "" {
			d = r.Helo
		}
		return Result{Method: "spf", Value: string(r.Value), Domain: domainOf(d)}
	case *authres.DMARCResult:
		return Result{Method: "dmarc", Value: string(r.Value), Domain: domainOf(r.From)}
	case *authres.ARCResult:
		return Result{Method: "arc", Value: string(r.Value)}
	case *authres.AuthResult:
		return Result{Method: "auth", Value: string(r.Value)}
	case *authres.GenericResult:
		return Result{Method: strings.ToLower(r.Method), Value: string(r.Value)}
	case *authres.IPRevResult:
		return Result{Method: "iprev", Value: string(r.Value)}
	case *authres.DomainKeysResult:
		return Result{Method: "domainkeys", Value: string(r.Value), Domain: domainOf(r.Domain)}
	case *authres.SenderIDResult:
		return Result{Method: "sender-id", Value: string(r.Value)}
	}
	return Result{}
}

// domainOf returns the domain of an address or domain, lower-cased and
// without quotes, angle brackets or a final dot.
func domainOf(s string) string {
	s = strings.Trim(strings.TrimSpace(s), `"<>`)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(strings.TrimSuffix(s, "."))
}

// stripComments removes RFC 5322 comments ("(sender IP is 192.0.2.1)",
// nested ones too) outside quoted strings: servers put free text in them,
// some of it the sender's, and the parser would read it as results.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
			if depth == 0 {
				b.WriteRune(r)
			}
			continue
		case r == '\\':
			escaped = true
			if depth == 0 {
				b.WriteRune(r)
			}
			continue
		case depth == 0 && r == '"':
			quoted = !quoted
		case !quoted && r == '(':
			depth++
			continue
		case !quoted && r == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ExchangeAuthAs returns Exchange's X-MS-Exchange-Organization-AuthAs
// value ("Internal" for mail from inside the organization, "Anonymous"
// for mail from outside), "" when absent. Exchange strips this header from
// mail that enters the organization, so inside an Exchange Online mailbox
// it was written by Exchange; anywhere else anyone may have written it.
func ExchangeAuthAs(h message.Header) string {
	return strings.TrimSpace(h.Get("X-MS-Exchange-Organization-AuthAs"))
}

// Count returns how many times field key appears in h.
func Count(h message.Header, key string) int {
	n := 0
	fields := h.FieldsByKey(key)
	for fields.Next() {
		n++
	}
	return n
}
