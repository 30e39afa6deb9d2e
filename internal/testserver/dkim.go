package testserver

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMKey is a signing key of a domain, for mail that must verify
// against the in-process DNS server: the owner's, in the tests and the
// demo.
type DKIMKey struct {
	Domain   string
	Selector string
	signer   crypto.Signer
	record   string // the TXT record that publishes it
}

// NewDKIMKey makes an Ed25519 key (quick to make), or an RSA-2048 one
// (what most servers use) when rsaKey is true.
func NewDKIMKey(domain, selector string, rsaKey bool) (*DKIMKey, error) {
	k := &DKIMKey{Domain: domain, Selector: selector}
	if rsaKey {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if err != nil {
			return nil, err
		}
		k.signer, k.record = priv, "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(der)
		return k, nil
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	k.signer, k.record = priv, "v=DKIM1; k=ed25519; p="+base64.StdEncoding.EncodeToString(pub)
	return k, nil
}

// Name is the DNS name the key is published under.
func (k *DKIMKey) Name() string { return k.Selector + "._domainkey." + k.Domain }

// Publish serves the key on d.
func (k *DKIMKey) Publish(d *DNS) { d.SetTXT(k.Name(), k.record) }

// Sign returns raw with a DKIM-Signature of the key on top, covering the
// header fields named (all of them when none is).
func (k *DKIMKey) Sign(raw []byte, fields ...string) ([]byte, error) {
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain: k.Domain, Selector: k.Selector, Signer: k.signer, HeaderKeys: fields,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	return out.Bytes(), nil
}
