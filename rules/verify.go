package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/inbox/authn"
	"github.com/followupd/followupd/internal/config"
	"golang.org/x/net/publicsuffix"
)

// Verification says whether mail from the owner's address was written by
// the owner: the From header alone proves nothing, as anyone may write it.
type Verification struct {
	Verified bool   `json:"verified"`
	By       string `json:"by,omitempty"`  // how it was verified
	Why      string `json:"why,omitempty"` // why it was not
	// IDs are the authserv-ids of the message's Authentication-Results
	// fields, topmost first: what to write in [trust] authserv_ids.
	IDs []string `json:"authserv_ids,omitempty"`
}

// trust is how the policy verifies the owner.
type trust struct {
	ids        []string // authserv-ids whose topmost stamp counts; "*.x" matches a suffix
	fromHeader bool     // [trust] owner = "from-header": the From header is believed
	none       bool     // no config: nothing to verify against (inspect)
}

// DKIMMaxAge is how old a DKIM-signed owner mail may be and still act:
// an older one replayed does nothing.
const DKIMMaxAge = 7 * 24 * time.Hour

func newTrust(t config.Trust) trust {
	return trust{ids: t.IDs, fromHeader: t.Owner == config.OwnerFromHeader}
}

// verifyByHeaders verifies owner mail by what the shop's own receiving
// server wrote on it: the topmost Authentication-Results field with one
// of the configured authserv-ids (the server writes its own above
// everything the sender wrote, so a forged one sits lower and is never
// read), or Exchange's organization header. from is the owner address in
// the From header.
func (t trust) verifyByHeaders(m *inbox.Message, from string) Verification {
	stamps := authn.Stamps(m.Header)
	v := Verification{IDs: stampIDs(stamps)}
	switch {
	case t.none:
		v.Verified, v.By = true, "not checked: without a config there is nothing to verify the owner against"
		return v
	case t.fromHeader:
		v.Verified, v.By = true, "the From header ([trust] owner = \"from-header\")"
		return v
	}
	if n := authn.Count(m.Header, "From"); n != 1 {
		v.Why = fmt.Sprintf("it has %d From fields", n)
		return v
	}
	domain := domainOf(from)
	for _, s := range stamps {
		if !t.trusts(s.ID) {
			continue
		}
		name := s.ID
		if name == "" {
			name = "Microsoft 365"
			if strings.EqualFold(authn.ExchangeAuthAs(m.Header), "Internal") {
				// Mail inside one tenant carries no DMARC result at all.
				v.Verified, v.By = true, "Microsoft 365: sent from inside the organization (X-MS-Exchange-Organization-AuthAs: Internal)"
				return v
			}
		}
		ok, how := authenticated(s.Results, domain)
		if ok {
			v.Verified, v.By = true, "Authentication-Results from "+name+": "+how
		} else {
			v.Why = "Authentication-Results from " + name + ": " + how
		}
		return v
	}
	if len(t.ids) == 0 {
		v.Why = "no [trust] authserv_ids: no Authentication-Results is believed"
	} else {
		v.Why = "no Authentication-Results from " + strings.Join(t.ids, ", ")
	}
	if len(v.IDs) > 0 {
		v.Why += " (it has some from " + strings.Join(v.IDs, ", ") + ")"
	}
	return v
}

// suspect says why a customer's message must not be answered although it
// is no robot's: the receiving server marked it as spam, or its trusted
// Authentication-Results say the sender's domain disowns it (dmarc=fail,
// or spf=fail with no DKIM pass). "" when neither.
func (t trust) suspect(m *inbox.Message) string {
	if why := authn.Spam(m.Header); why != "" {
		return "marked as spam by the receiving server (" + why + ")"
	}
	if t.none || t.fromHeader {
		return ""
	}
	for _, s := range authn.Stamps(m.Header) {
		if !t.trusts(s.ID) {
			continue
		}
		var dmarcFail, spfFail, dkimPass bool
		for _, r := range s.Results {
			switch {
			case r.Method == "dmarc" && r.Value == "fail":
				dmarcFail = true
			case r.Method == "spf" && r.Value == "fail":
				spfFail = true
			case r.Method == "dkim" && r.Value == "pass":
				dkimPass = true
			}
		}
		name := s.ID
		if name == "" {
			name = "Microsoft 365"
		}
		switch {
		case dmarcFail:
			return "failed authentication: dmarc=fail (Authentication-Results from " + name + ")"
		case spfFail && !dkimPass:
			return "failed authentication: spf=fail and no DKIM pass (Authentication-Results from " + name + ")"
		}
		return ""
	}
	return ""
}

// trusts reports whether a stamp with authserv-id id is the shop's own
// server's; "" (Exchange Online's) only when "microsoft365" is configured.
func (t trust) trusts(id string) bool {
	for _, want := range t.ids {
		switch {
		case want == config.Microsoft365:
			if id == "" {
				return true
			}
		case id == "":
		case strings.HasPrefix(want, "*."):
			if strings.HasSuffix(id, want[1:]) {
				return true
			}
		case id == want:
			return true
		}
	}
	return false
}

// authenticated judges one stamp's results for mail From domain:
// DMARC pass for the domain, else (with no DMARC result) a DKIM pass or an
// SPF pass aligned with it. A DMARC result other than pass decides alone.
func authenticated(rs []authn.Result, domain string) (bool, string) {
	var dkim, spf string
	for _, r := range rs {
		if r.Method == "dmarc" && r.Value != "none" {
			if r.Value == "pass" && r.Domain == domain {
				return true, "dmarc=pass header.from=" + domain
			}
			if r.Value == "pass" {
				return false, "dmarc=pass for header.from=" + r.Domain + ", not " + domain
			}
			return false, "dmarc=" + r.Value
		}
	}
	for _, r := range rs {
		switch {
		case r.Method == "dkim" && r.Value == "pass":
			if aligned(r.Domain, domain) {
				return true, "dkim=pass header.d=" + r.Domain
			}
			dkim = "dkim=pass for " + r.Domain + ", not " + domain
		case r.Method == "spf" && r.Value == "pass":
			if aligned(r.Domain, domain) {
				return true, "spf=pass smtp.mailfrom=" + r.Domain
			}
			spf = "spf=pass for " + r.Domain + ", not " + domain
		}
	}
	var got []string
	for _, s := range []string{dkim, spf} {
		if s != "" {
			got = append(got, s)
		}
	}
	if len(got) == 0 {
		for _, r := range rs {
			if r.Method == "dkim" || r.Method == "spf" || r.Method == "dmarc" {
				got = append(got, r.Method+"="+r.Value)
			}
		}
	}
	if len(got) == 0 {
		return false, "no DMARC, DKIM or SPF result"
	}
	return false, strings.Join(got, "; ")
}

// verifyByDKIM verifies owner mail by its own DKIM signatures, checked
// against DNS by the caller: one that verifies over the whole body, by a
// domain aligned with the From domain, covering From, Subject, Date and
// Message-ID, on mail dated within DKIMMaxAge of now. A Message-ID acts
// once (the store keeps it), so an old signed mail replayed does nothing.
func verifyByDKIM(m *inbox.Message, from string, sigs []authn.Signature, now time.Time) (bool, string) {
	domain := domainOf(from)
	for _, key := range []string{"From", "Subject", "Date", "Message-Id"} {
		if n := authn.Count(m.Header, key); n != 1 {
			return false, fmt.Sprintf("it has %d %s fields", n, key)
		}
	}
	var why []string
	for _, s := range sigs {
		switch {
		case s.Err != "":
			why = append(why, "DKIM signature of "+s.Domain+" does not verify: "+s.Err)
		case !aligned(s.Domain, domain):
			why = append(why, "DKIM signature of "+s.Domain+", not "+domain)
		case !s.Covers("from") || !s.Covers("subject") || !s.Covers("date") || !s.Covers("message-id"):
			why = append(why, "DKIM signature of "+s.Domain+" does not cover From, Subject, Date and Message-ID")
		case m.Date.IsZero() || now.Sub(m.Date) > DKIMMaxAge || m.Date.Sub(now) > 24*time.Hour:
			why = append(why, "DKIM signature of "+s.Domain+" is good, but the mail is dated "+m.Date.UTC().Format(time.RFC3339)+": signed owner mail counts for 7 days")
		default:
			return true, "DKIM signature of " + s.Domain
		}
	}
	if len(why) == 0 {
		return false, "no DKIM signature"
	}
	return false, strings.Join(why, "; ")
}

// aligned reports whether two domains have the same organizational
// domain (DMARC's relaxed alignment): mail.example.com and example.com
// do, example.com and example.org do not.
func aligned(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	oa, err1 := publicsuffix.EffectiveTLDPlusOne(a)
	ob, err2 := publicsuffix.EffectiveTLDPlusOne(b)
	return err1 == nil && err2 == nil && oa == ob
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(strings.ToLower(addr), "@")
	return strings.TrimSuffix(d, ".")
}

func stampIDs(stamps []authn.Stamp) []string {
	var ids []string
	for _, s := range stamps {
		id := s.ID
		if id == "" {
			id = "(none: Microsoft 365 writes none; use \"" + config.Microsoft365 + "\")"
		}
		ids = append(ids, id)
	}
	return ids
}
