package authn_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/followupd/followupd/inbox/authn"
	"github.com/followupd/followupd/internal/testserver"
)

const ownerMail = "From: Pam <owner@shop.example>\r\nTo: shop@owlery.example\r\nSubject: #resolved dana@example.com\r\n" +
	"Date: Tue, 1 Dec 2026 18:09:58 +0100\r\nMessage-ID: <o-1@shop.example>\r\n\r\ncalled her, all sorted\r\n"

func startDNS(t *testing.T) *testserver.DNS {
	t.Helper()
	d, err := testserver.StartDNS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestDKIMIsVerifiedAgainstTheConfiguredResolver(t *testing.T) {
	dns := startDNS(t)
	v := authn.Verifier{Resolver: dns.Addr()}
	for _, rsaKey := range []bool{false, true} {
		key, err := testserver.NewDKIMKey("shop.example", "s1", rsaKey)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := key.Sign([]byte(ownerMail), "From", "To", "Subject", "Date", "Message-ID")
		if err != nil {
			t.Fatal(err)
		}
		// Not published yet: the signature cannot verify.
		dns.SetTXT(key.Name())
		if sigs := v.Verify(context.Background(), signed); len(sigs) != 1 || sigs[0].Err == "" {
			t.Fatalf("rsa %v, key not published: %+v, want an error", rsaKey, sigs)
		}
		key.Publish(dns)
		sigs := v.Verify(context.Background(), signed)
		if len(sigs) != 1 || sigs[0].Err != "" || sigs[0].Domain != "shop.example" || !sigs[0].Covers("subject") || !sigs[0].Covers("message-id") {
			t.Fatalf("rsa %v: %+v, want a valid signature of shop.example covering Subject and Message-ID", rsaKey, sigs)
		}
		// A word changed after signing.
		tampered := bytes.Replace(signed, []byte("all sorted"), []byte("all sorted, and #stop tom@example.org"), 1)
		if sigs := v.Verify(context.Background(), tampered); len(sigs) != 1 || sigs[0].Err == "" {
			t.Errorf("rsa %v, body changed: %+v, want an error", rsaKey, sigs)
		}
		resubjected := bytes.Replace(signed, []byte("Subject: #resolved"), []byte("Subject: #stop"), 1)
		if sigs := v.Verify(context.Background(), resubjected); len(sigs) != 1 || sigs[0].Err == "" {
			t.Errorf("rsa %v, subject changed: %+v, want an error", rsaKey, sigs)
		}
	}
	if dns.Queries() == 0 {
		t.Error("the configured resolver was never asked")
	}
}

func TestUnsignedMailCostsNoLookup(t *testing.T) {
	dns := startDNS(t)
	if sigs := (authn.Verifier{Resolver: dns.Addr()}).Verify(context.Background(), []byte(ownerMail)); sigs != nil {
		t.Errorf("unsigned mail: %+v", sigs)
	}
	if dns.Queries() != 0 {
		t.Errorf("%d DNS queries for unsigned mail", dns.Queries())
	}
}

func TestASignatureWithABodyLengthIsRefused(t *testing.T) {
	dns := startDNS(t)
	key, err := testserver.NewDKIMKey("shop.example", "s1", false)
	if err != nil {
		t.Fatal(err)
	}
	key.Publish(dns)
	signed, err := key.Sign([]byte(ownerMail), "From", "Subject", "Date", "Message-ID")
	if err != nil {
		t.Fatal(err)
	}
	// l= added (which breaks the signature anyway): refused for the tag.
	partial := bytes.Replace(signed, []byte("d=shop.example;"), []byte("d=shop.example; l=10;"), 1)
	sigs := (authn.Verifier{Resolver: dns.Addr()}).Verify(context.Background(), partial)
	if len(sigs) != 1 || !strings.Contains(sigs[0].Err, "body length") {
		t.Errorf("%+v, want refused for its body length", sigs)
	}
}
