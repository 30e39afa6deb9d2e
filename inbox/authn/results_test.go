package authn_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/inbox/authn"
)

func header(t *testing.T, file string) *inbox.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	m, err := inbox.ParseBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStampsAreReadTopmostFirstInEachProvidersFormat(t *testing.T) {
	tests := []struct {
		file string
		ids  []string
		// the topmost stamp's results, method=value@domain
		top []string
	}{
		{"gmail.eml", []string{"mx.google.com"}, []string{"dkim=pass@shop.example", "spf=pass@shop.example", "dmarc=pass@shop.example"}},
		{"gmail_forged.eml", []string{"mx.google.com", "mx.google.com"}, []string{"spf=fail@spam.example", "dmarc=fail@shop.example"}},
		{"m365_external.eml", []string{""}, []string{"spf=pass@gmail.com", "dkim=pass@gmail.com", "dmarc=pass@gmail.com", "compauth=pass@"}},
		{"m365_internal.eml", []string{""}, []string{"dkim=none@none", "dmarc=none@owlery.example"}},
		{"m365_spoofed.eml", []string{"", ""}, []string{"spf=fail@owlery.example", "dkim=none@none", "dmarc=fail@owlery.example", "compauth=fail@"}},
		{"fastmail.eml", []string{"mx6.messagingengine.com"}, []string{"dkim=pass@shop.example", "dmarc=pass@shop.example", "iprev=pass@", "spf=pass@shop.example", "x-aligned-from=pass@", "x-tls=pass@"}},
		{"postfix_opendmarc.eml", []string{"mx.example.test", "mx.example.test", "mx.example.test"}, []string{"dmarc=pass@shop.example"}},
		{"postfix_submission.eml", nil, nil},
		{"rspamd.eml", []string{"mail.example.test"}, []string{"dkim=pass@shop.example", "dmarc=pass@shop.example", "spf=pass@shop.example"}},
	}
	for _, tt := range tests {
		stamps := authn.Stamps(header(t, tt.file).Header)
		var ids, top []string
		for _, s := range stamps {
			ids = append(ids, s.ID)
		}
		if len(stamps) > 0 {
			for _, r := range stamps[0].Results {
				top = append(top, r.Method+"="+r.Value+"@"+r.Domain)
			}
		}
		if !slices.Equal(ids, tt.ids) || !slices.Equal(top, tt.top) {
			t.Errorf("%s: ids %q, topmost %q; want %q, %q", tt.file, ids, top, tt.ids, tt.top)
		}
	}
}

func TestExchangesOwnAuthAsIsTheTopmost(t *testing.T) {
	for file, want := range map[string]string{"m365_internal.eml": "Internal", "m365_spoofed.eml": "Anonymous", "gmail.eml": ""} {
		if got := authn.ExchangeAuthAs(header(t, file).Header); got != want {
			t.Errorf("%s: AuthAs %q, want %q", file, got, want)
		}
	}
}

func TestACommentCannotAddAResult(t *testing.T) {
	m := header(t, "gmail.eml")
	m.Header.Add("Authentication-Results", `mx.google.com; spf=fail (evil; dmarc=pass header.from=shop.example) smtp.mailfrom=x@spam.example`)
	got := authn.Stamps(m.Header)[0]
	if len(got.Results) != 1 || got.Results[0].Method != "spf" || got.Results[0].Value != "fail" {
		t.Errorf("results %+v, want spf=fail alone", got.Results)
	}
}

func TestTheServersSpamVerdictIsRead(t *testing.T) {
	tests := []struct {
		header string
		spam   bool
	}{
		{"X-Spam-Flag: YES", true},
		{"X-Spam-Flag: NO", false},
		{"X-Spam-Status: Yes, score=7.9 required=5.0 tests=BAYES_99,URIBL_BLACK autolearn=no", true},
		{"X-Spam-Status: No, score=-0.1 required=5.0 tests=DKIM_SIGNED,DKIM_VALID", false},
		{"X-Spam-Status: No, score=6.5 required=5.0", true}, // over its threshold, whatever the word says
		{"X-Spam: Yes", true},
		{"X-Spamd-Result: default: True [16.20 / 15.00];\r\n\tBAYES_SPAM(5.10)[99.99%]", true},
		{"X-Spamd-Result: default: False [-3.10 / 15.00];\r\n\tDMARC_POLICY_ALLOW(-0.50)[shop.example,quarantine]", false},
		{"X-MS-Exchange-Organization-SCL: 5", true},
		{"X-MS-Exchange-Organization-SCL: 1", false},
		{"X-MS-Exchange-Organization-SCL: -1", false},
		{"X-Forefront-Antispam-Report: CIP:198.51.100.66;CTRY:;LANG:en;SCL:9;SRV:;IPV:NLI;SFV:SPM;", true},
		{"X-Forefront-Antispam-Report: CIP:209.85.128.52;CTRY:US;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;", false},
		{"Subject: X-Spam-Flag: YES", false},
	}
	for _, tt := range tests {
		m, err := inbox.ParseBytes([]byte(tt.header + "\r\nFrom: a@example.com\r\n\r\nhello\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := authn.Spam(m.Header); (got != "") != tt.spam {
			t.Errorf("%q: spam %q, want %v", tt.header, got, tt.spam)
		}
	}
}
