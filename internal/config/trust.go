package config

import (
	"net"
	"strings"
)

// providerIDs are the authserv-ids of the providers whose IMAP host
// says who they are: every message they deliver carries their stamp.
var providerIDs = []struct {
	host string // the IMAP host, or ".suffix"
	ids  []string
	name string
}{
	{"imap.gmail.com", []string{"mx.google.com"}, "Gmail"},
	{"imap.googlemail.com", []string{"mx.google.com"}, "Gmail"},
	{"outlook.office365.com", []string{Microsoft365}, "Microsoft 365"},
	{"outlook.office.com", []string{Microsoft365}, "Microsoft 365"},
	{"imap.fastmail.com", []string{"*.messagingengine.com"}, "Fastmail"},
}

func validateTrust(ps *problems, t *Trust, imapAddress string) {
	oneOf(ps, "trust.owner", t.Owner, []string{OwnerVerified, OwnerFromHeader})
	for i, id := range t.AuthservIDs {
		id = strings.ToLower(strings.TrimSpace(id))
		bare := strings.TrimPrefix(id, "*.")
		if bare == "" || strings.ContainsAny(bare, " ;*@()\"") || bare == id && strings.HasPrefix(id, ".") {
			ps.add(indexKey("trust.authserv_ids", i), "%q is not an authserv-id: a host name such as \"mx.example.com\", a suffix pattern such as \"*.messagingengine.com\", or \"microsoft365\"", t.AuthservIDs[i])
			continue
		}
		t.IDs = append(t.IDs, id)
	}
	if len(t.AuthservIDs) > 0 {
		t.IDsFrom = "trust.authserv_ids"
	} else if host, _, err := net.SplitHostPort(imapAddress); err == nil {
		host = strings.ToLower(host)
		for _, p := range providerIDs {
			if host == p.host {
				t.IDs, t.IDsFrom = p.ids, p.name+" (imap.address)"
			}
		}
	}
	if t.NewRecipientsPerHour < 0 {
		ps.add("trust.new_recipients_per_hour", "must be 0 (no limit) or more, got %d", t.NewRecipientsPerHour)
	}
	if t.OwnerAlertsPerHour < 0 {
		ps.add("trust.owner_alerts_per_hour", "must be 0 (no limit) or more, got %d", t.OwnerAlertsPerHour)
	}
	if t.DNSResolver != "" {
		if _, _, err := net.SplitHostPort(t.DNSResolver); err != nil {
			ps.add("trust.dns_resolver", "%q is not host:port (e.g. \"127.0.0.1:53\")", t.DNSResolver)
		}
	}
}
