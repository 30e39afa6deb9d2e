package authn

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// Signature is one DKIM signature of a message, verified.
type Signature struct {
	Domain string   // the signing domain (d=), lower-cased
	Signed []string // the header fields it covers, lower-cased
	// Err says why it does not verify; "" when it does.
	Err string
	// Temporary: it could not be checked now (DNS did not answer).
	Temporary bool
}

// Covers reports whether the signature covers header field key.
func (s Signature) Covers(key string) bool {
	for _, k := range s.Signed {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// Verifier verifies DKIM signatures against DNS.
type Verifier struct {
	// Resolver is the DNS server to ask, "host:port"; "" uses the
	// system's resolver.
	Resolver string
	// Timeout bounds the whole verification of one message.
	Timeout time.Duration
}

// maxSignatures bounds the signatures checked on one message (each may
// cost a DNS query).
const maxSignatures = 5

// Verify checks every DKIM signature of raw (at most five) and returns
// them in header order. A message with none returns nothing.
func (v Verifier) Verify(ctx context.Context, raw []byte) []Signature {
	if !bytes.Contains(raw, []byte("DKIM-Signature")) && !bytes.Contains(raw, []byte("dkim-signature")) {
		return nil
	}
	timeout := v.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := &net.Resolver{}
	if v.Resolver != "" {
		addr := v.Resolver
		r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}
	}
	lookup := func(name string) ([]string, error) { return r.LookupTXT(ctx, name) }
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: maxSignatures})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		return []Signature{{Err: err.Error()}}
	}
	out := make([]Signature, 0, len(verifs))
	// go-msgauth refuses a signature of part of the body (l=), to which
	// anything may have been added.
	for _, vf := range verifs {
		s := Signature{Domain: strings.ToLower(vf.Domain)}
		for _, k := range vf.HeaderKeys {
			s.Signed = append(s.Signed, strings.ToLower(strings.TrimSpace(k)))
		}
		if vf.Err != nil {
			s.Err = vf.Err.Error()
			s.Temporary = dkim.IsTempFail(vf.Err)
		}
		out = append(out, s)
	}
	return out
}
