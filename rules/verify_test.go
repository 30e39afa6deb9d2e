package rules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/inbox/authn"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/testserver"
)

// trustPolicy is testPolicy for an owner with addresses at shop.example,
// owlery.example and gmail.com, whose server writes ids.
func trustPolicy(t *testing.T, ids ...string) *Policy {
	return testPolicy(t, func(c *config.Config) {
		c.Business.OwnerEmail = "owner@shop.example"
		c.Business.OwnerAliases = []string{"pam.owl@gmail.com", "pam@owlery.example", "owner@owlery.example"}
		c.IMAP.Username = "shop@owlery.example"
		c.Trust.IDs = ids
	})
}

func fixture(t *testing.T, name string) (*inbox.Message, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "inbox", "authn", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := inbox.ParseBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m, raw
}

var dec1 = time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC)

func TestOwnerMailIsVerifiedByTheTopmostStampOfTheShopsOwnServer(t *testing.T) {
	tests := []struct {
		file string
		ids  []string
		ok   bool
		how  string // in By when verified, in Why when not
	}{
		{"gmail.eml", []string{"mx.google.com"}, true, "mx.google.com: dmarc=pass"},
		{"gmail.eml", []string{"mx.example.test"}, false, "no Authentication-Results from mx.example.test"},
		{"gmail.eml", nil, false, "no [trust] authserv_ids"},
		{"gmail_forged.eml", []string{"mx.google.com"}, false, "dmarc=fail"},
		{"m365_external.eml", []string{"microsoft365"}, true, "Microsoft 365: dmarc=pass"},
		// An id-less stamp is believed only of Exchange Online.
		{"m365_external.eml", []string{"mx.google.com"}, false, "no Authentication-Results"},
		{"m365_internal.eml", []string{"microsoft365"}, true, "inside the organization"},
		{"m365_internal.eml", []string{"mx.example.test"}, false, "no Authentication-Results"},
		{"m365_spoofed.eml", []string{"microsoft365"}, false, "dmarc=fail"},
		{"fastmail.eml", []string{"*.messagingengine.com"}, true, "mx6.messagingengine.com: dmarc=pass"},
		{"fastmail.eml", []string{"messagingengine.com"}, false, "no Authentication-Results"},
		{"postfix_opendmarc.eml", []string{"mx.example.test"}, true, "dmarc=pass"},
		{"postfix_submission.eml", []string{"mx.example.test"}, false, "no Authentication-Results from mx.example.test"},
		{"rspamd.eml", []string{"mail.example.test"}, true, "dmarc=pass"},
	}
	for _, tt := range tests {
		m, _ := fixture(t, tt.file)
		d, err := trustPolicy(t, tt.ids...).Decide(m, Facts{At: dec1}, nobody{})
		if err != nil {
			t.Fatal(err)
		}
		v := d.Owner
		if v == nil {
			t.Errorf("%s: not read as the owner's mail (%s)", tt.file, d.Kind)
			continue
		}
		text := v.Why
		if tt.ok {
			text = v.By
		}
		if v.Verified != tt.ok || !strings.Contains(text, tt.how) {
			t.Errorf("%s with %q: verified %v by %q, why %q; want %v, %q", tt.file, tt.ids, v.Verified, v.By, v.Why, tt.ok, tt.how)
		}
		if !tt.ok && (d.Kind != core.KindUnverified || len(d.Acts) > 0 || !d.Review) {
			t.Errorf("%s with %q: unverified, yet kind %s, %d acts, review %v", tt.file, tt.ids, d.Kind, len(d.Acts), d.Review)
		}
		if tt.ok && (d.Kind == core.KindUnverified || len(d.Acts) == 0) {
			t.Errorf("%s with %q: verified, yet kind %s with %d acts", tt.file, tt.ids, d.Kind, len(d.Acts))
		}
	}
}

func TestTheFromHeaderIsBelievedOnlyWhenTheOwnerSaysSo(t *testing.T) {
	m, _ := fixture(t, "postfix_submission.eml")
	p := testPolicy(t, func(c *config.Config) {
		c.Business.OwnerEmail = "owner@owlery.example"
		c.IMAP.Username = "shop@owlery.example"
		c.Trust.Owner = config.OwnerFromHeader
	})
	d, err := p.Decide(m, Facts{At: dec1}, nobody{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Owner.Verified || d.Kind != core.KindOwnerCommand || len(d.Acts) != 1 || d.Acts[0].Resolve == nil {
		t.Errorf("from-header: %+v %s, want the command to act", d.Owner, d.Kind)
	}
}

func TestTheOwnersApprovalMakesUnverifiedMailAct(t *testing.T) {
	m, _ := fixture(t, "postfix_submission.eml")
	p := trustPolicy(t, "mx.example.test")
	d, err := p.Decide(m, Facts{At: dec1, Approved: "approved by the owner"}, nobody{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Owner.Verified || d.Owner.By != "approved by the owner" || d.Kind != core.KindOwnerCommand || len(d.Acts) != 1 {
		t.Errorf("approved: %+v %s %d acts", d.Owner, d.Kind, len(d.Acts))
	}
}

func TestSignedOwnerMailIsVerifiedByItsOwnDKIMSignature(t *testing.T) {
	dns, err := testserver.StartDNS()
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	key, err := testserver.NewDKIMKey("owlery.example", "s1", false)
	if err != nil {
		t.Fatal(err)
	}
	key.Publish(dns)
	other, err := testserver.NewDKIMKey("mailer.example", "s1", false)
	if err != nil {
		t.Fatal(err)
	}
	other.Publish(dns)
	_, raw := fixture(t, "postfix_submission.eml")
	all := []string{"From", "To", "Subject", "Date", "Message-ID"}
	tests := []struct {
		name   string
		key    *testserver.DKIMKey
		fields []string
		edit   func([]byte) []byte
		at     time.Time
		ok     bool
		why    string
	}{
		{name: "signed by the owner's domain", key: key, fields: all, at: dec1, ok: true},
		{name: "six days later", key: key, fields: all, at: dec1.Add(6 * 24 * time.Hour), ok: true},
		{name: "replayed after eight days", key: key, fields: all, at: dec1.Add(8 * 24 * time.Hour), why: "counts for 7 days"},
		{name: "another domain's signature", key: other, fields: all, at: dec1, why: "mailer.example, not owlery.example"},
		{name: "Subject not signed", key: key, fields: []string{"From", "Date", "Message-ID"}, at: dec1, why: "does not cover"},
		{name: "Message-ID not signed", key: key, fields: []string{"From", "Subject", "Date"}, at: dec1, why: "does not cover"},
		{name: "body changed", key: key, fields: all, at: dec1, why: "does not verify",
			edit: func(b []byte) []byte { return append(b, []byte("#stop tom@example.org\r\n")...) }},
		{name: "a second From on top", key: key, fields: all, at: dec1, why: "2 From fields",
			edit: func(b []byte) []byte { return append([]byte("From: Pam <owner@owlery.example>\r\n"), b...) }},
	}
	p := trustPolicy(t, "mx.example.test")
	for _, tt := range tests {
		signed, err := tt.key.Sign(raw, tt.fields...)
		if err != nil {
			t.Fatal(err)
		}
		if tt.edit != nil {
			signed = tt.edit(signed)
		}
		m, err := inbox.ParseBytes(signed)
		if err != nil {
			t.Fatal(err)
		}
		r := p.Read(m)
		if !r.WantsDKIM() {
			t.Errorf("%s: the reading does not ask for DKIM", tt.name)
			continue
		}
		sigs := authn.Verifier{Resolver: dns.Addr()}.Verify(context.Background(), signed)
		d, err := p.Decide(m, Facts{At: tt.at, Reading: r, DKIM: sigs}, nobody{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Owner.Verified != tt.ok || !tt.ok && !strings.Contains(d.Owner.Why, tt.why) {
			t.Errorf("%s: verified %v by %q, why %q; want %v (%q)", tt.name, d.Owner.Verified, d.Owner.By, d.Owner.Why, tt.ok, tt.why)
		}
		if tt.ok && (d.Kind != core.KindOwnerCommand || len(d.Acts) != 1 || d.Acts[0].Resolve == nil) {
			t.Errorf("%s: verified, yet %s with %d acts", tt.name, d.Kind, len(d.Acts))
		}
	}
}

func TestInspectWithoutAConfigSaysThereIsNothingToVerifyAgainst(t *testing.T) {
	m, _ := fixture(t, "gmail_forged.eml")
	d, err := BuiltIn().Decide(m, Facts{At: dec1}, nobody{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Owner == nil || !strings.Contains(d.Owner.By, "nothing to verify") || len(d.Owner.IDs) != 2 {
		t.Errorf("no config: %+v", d.Owner)
	}
}

func TestTheOwnersMailActsOnAtMostTwentyAddresses(t *testing.T) {
	p := testPolicy(t, nil)
	addrs := func(n int) string {
		var as []string
		for i := range n {
			as = append(as, fmt.Sprintf("c%d@example.com", i))
		}
		return strings.Join(as, ", ")
	}
	for _, tt := range []struct {
		name string
		m    *inbox.Message
		acts int
	}{
		{"a reply copied to 20", ownerMail(t, "Re: your bikes", "Cc: "+addrs(19)+"\r\n", "All fixed."), 20},
		{"a reply copied to 100,000", ownerMail(t, "Re: your bikes", "Cc: "+addrs(100000)+"\r\n", "All fixed."), 0},
		{"a command naming 20", ownerMail(t, "#vip", "", "#vip "+addrs(20)), 20},
		{"a command naming 21", ownerMail(t, "#stop", "", "#stop "+addrs(21)), 0},
	} {
		// testMail's To is the shop; the reply's customers are in Cc, and
		// one more in To for the reply cases.
		m := tt.m
		if strings.HasPrefix(tt.name, "a reply") {
			m.To = append(m.To, inbox.Address{Email: "first@example.com"})
		}
		d := decide(t, p, m, store{})
		if len(d.Acts) != tt.acts {
			t.Errorf("%s: %d acts, want %d (%s: %s)", tt.name, len(d.Acts), tt.acts, d.Kind, d.Skip)
		}
		if tt.acts == 0 && (!d.Review || !strings.Contains(d.Skip, "refused")) {
			t.Errorf("%s: refused, yet review %v, skip %q", tt.name, d.Review, d.Skip)
		}
	}
}

func TestSpamAndMailThatFailedAuthenticationAreNeverAnswered(t *testing.T) {
	p := testPolicy(t, nil) // trusts mx.shop.test
	body := "Hello, my order arrived broken, I want a refund."
	for _, tt := range []struct {
		name, headers string
		suspect       string // in the skip reason; "" for an ordinary customer
	}{
		{"plain", "", ""},
		{"SpamAssassin says yes", "X-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=9.1 required=5.0\r\n", "marked as spam"},
		{"Exchange SCL 6", "X-MS-Exchange-Organization-SCL: 6\r\n", "marked as spam"},
		{"dmarc=fail from the shop's server", "Authentication-Results: mx.shop.test; spf=pass smtp.mailfrom=relay.example; dmarc=fail header.from=bank.example\r\n", "dmarc=fail"},
		{"spf=fail, no DKIM", "Authentication-Results: mx.shop.test; spf=fail smtp.mailfrom=bank.example; dkim=none\r\n", "spf=fail"},
		{"spf=fail, DKIM pass (a forwarder)", "Authentication-Results: mx.shop.test; spf=fail smtp.mailfrom=fwd.example; dkim=pass header.d=example.org\r\n", ""},
		{"dmarc=fail from a server not trusted", "Authentication-Results: mx.other.example; dmarc=fail header.from=example.org\r\n", ""},
		// The server's own stamp passes; a fail below it is the sender's.
		{"a fail below the server's pass", "Authentication-Results: mx.shop.test; dmarc=pass header.from=example.org\r\nAuthentication-Results: mx.shop.test; dmarc=fail\r\n", ""},
	} {
		m := testMail(t, "Vic Tim <vic@example.org>", "Broken", tt.headers, body)
		k := store{customers: map[string]core.Customer{"vic@example.org": {ID: 7, Email: "vic@example.org", Name: "Victoria", Contacts: 2}}}
		d := decide(t, p, m, k)
		if tt.suspect == "" {
			if d.Kind != core.KindCustomer || len(d.Acts) != 1 {
				t.Errorf("%s: %s (%s), want an ordinary customer's complaint", tt.name, d.Kind, d.Skip)
			}
			continue
		}
		if d.Kind != core.KindSuspect || len(d.Acts) != 0 || !strings.Contains(d.Skip, tt.suspect) {
			t.Errorf("%s: %s with %d acts (%s), want suspect: %s", tt.name, d.Kind, len(d.Acts), d.Skip, tt.suspect)
		}
	}
}
