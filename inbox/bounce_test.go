package inbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// readTestMessage parses a fixture under testdata/.
func readTestMessage(t testing.TB, name string) *Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseBytes(raw)
	if err != nil {
		t.Fatalf("ParseBytes(%s): %v", name, err)
	}
	return m
}

func TestParseBounceFindsFailedRecipients(t *testing.T) {
	type rcpt struct {
		email     string
		permanent bool
		status    string
	}
	tests := []struct {
		file     string
		want     []rcpt // nil: not a bounce
		delay    bool
		reporter string
		diag     string // substring of the first recipient's Diagnostic
		returned string // a Message-ID that Returned must hold
		// nonStandard: Standard must be false (a person passed the report
		// on, or only a robot's From and the report's words mark it).
		nonStandard bool
	}{
		{file: "postfix_dsn.eml", want: []rcpt{{"olga.nobody@example.com", true, "5.1.1"}}, reporter: "mx.shop.test", diag: "User unknown"},
		{file: "postfix_plain.eml", want: []rcpt{{"pete.gone@example.com", true, "5.7.1"}}, reporter: "relay.example.net", diag: "550 5.7.1"},
		{file: "postfix_delay.eml", want: []rcpt{{"slow.server@example.org", false, ""}}, delay: true},
		{file: "exim.eml", want: []rcpt{{"hannah.left@example.com", true, "5.1.1"}}, diag: "550 5.1.1"},
		{file: "exim_header.eml", want: []rcpt{{"ivan.full@example.com", true, "5.2.2"}}, diag: "quota exceeded"},
		{file: "exim_delay.eml", want: []rcpt{{"jane.later@example.org", false, "4.7.1"}}, delay: true, diag: "Greylisted"},
		{file: "sendmail.eml", want: []rcpt{{"kurt.unknown@example.com", true, "5.1.1"}}, diag: "User unknown"},
		{file: "sendmail_warning.eml", want: []rcpt{{"lena.offline@example.org", false, ""}}, delay: true},
		{file: "qmail.eml", want: []rcpt{{"max.missing@example.com", true, "5.1.1"}}, reporter: "mail.example.net", diag: "No such user"},
		{file: "exchange.eml", want: []rcpt{{"nina.moved@example.com", true, "5.1.1"}}, reporter: "exch01.example.com"},
		{file: "office365.eml", want: []rcpt{{"oscar.typo@contoso.example.com", true, "5.1.10"}}, diag: "RecipientNotFound"},
		{file: "exchange_delay.eml", want: []rcpt{{"paula.busy@example.org", false, "4.4.7"}}, delay: true},
		{file: "gmail.eml", want: []rcpt{{"quinn.nobody@example.com", true, "5.1.1"}}, reporter: "googlemail.example"},
		{file: "gmail_delay.eml", want: []rcpt{{"rita.wait@example.org", false, "4.7.0"}}, delay: true},
		{file: "yahoo.eml", want: []rcpt{{"sam.closed@example.com", true, ""}}, diag: "554"},
		{file: "lotus_notes.eml", want: []rcpt{{"tina.retired@notes.example.com", true, ""}}, diag: "not listed"},
		{file: "groupwise.eml", want: []rcpt{{"uma.absent@gw.example.com", true, ""}}},
		{file: "courier.eml", want: []rcpt{{"victor.void@example.com", true, "5.1.1"}}},
		{file: "mdaemon.eml", want: []rcpt{{"wendy.gone@example.com", true, "5.1.1"}}},
		{file: "mailman.eml", want: []rcpt{{"xena.bounced@example.com", true, ""}}},
		{file: "german_exchange.eml", want: []rcpt{{"yusuf.weg@firma.example", true, "5.1.1"}}},
		{file: "french_exchange.eml", want: []rcpt{{"zoe.partie@societe.example", true, "5.1.1"}}},
		{file: "spanish.eml", want: []rcpt{{"alba.fuera@empresa.example", true, "5.1.1"}}},
		{file: "italian.eml", want: []rcpt{{"bruno.assente@posta.example", true, "5.1.1"}}},
		{file: "global_dsn.eml", want: []rcpt{{"jürgen@bücher.example", true, "5.1.1"}}, diag: "does not exist"},
		{file: "dsn_base64_quota.eml", want: []rcpt{{"full.box@example.com", false, "4.2.2"}}, delay: true, diag: "over quota"},
		{file: "dragonfly.eml", want: []rcpt{{"arno.gone@example.com", true, "5.1.1"}}, reporter: "mx.shop.test", diag: "User unknown", returned: "order-2291.3a71a@mx.shop.test"},
		{file: "dragonfly_postmaster.eml", want: []rcpt{{"postmaster@nowhere.example.net", true, ""}}, diag: "DNS lookup failure"},
		{file: "dragonfly_expired.eml", want: []rcpt{{"berit.slow@example.org", true, ""}}, diag: "Giving up"},
		{file: "exchange2003_short_subject.eml", want: []rcpt{{"aiko.tanaka@example.org", true, "5.1.1"}}, diag: "User unknown"},
		// A filter wraps the real report; the returned message's To is the
		// shop, not the failed recipient.
		{file: "filter_wrapped_dsn.eml", want: []rcpt{{"kenta.sato@example.net", true, "5.1.1"}}},
		{file: "amazonses_sns.eml", want: []rcpt{{"carla.nowhere@example.com", true, "5.1.1"}}, reporter: "b224-12.smtp-out.us-west-2.amazonses.example", diag: "User unknown", returned: "receipt-7741@shop.test", nonStandard: true},
		// SES's notification is JSON that anyone could paste into a mail:
		// it counts only by the follow-up it returns.
		{file: "amazonses_transient.eml", want: []rcpt{{"dora.full@example.org", false, ""}}, delay: true, nonStandard: true},
		{file: "amazonses_dsn.eml", want: []rcpt{{"fritz.closed@example.net", true, "5.2.1"}}, diag: "Mailbox disabled", returned: "spring-preview-55@shop.test"},
		{file: "amazonses_complaint.eml"},
		{file: "apachejames.eml", want: []rcpt{{"gina.moved@example.org", true, "5.2.1"}}, reporter: "mail.example.org", diag: "Account closed"},
		{file: "apachejames_notify.eml", want: []rcpt{{"hugo.nobody@example.net", true, ""}}},
		{file: "verizon.eml", want: []rcpt{{"5550100@vtext.example", true, ""}}},
		{file: "ezweb.eml", want: []rcpt{{"haruka.old-phone@ezweb.example", true, ""}}, diag: "account is disabled"},
		{file: "ezweb_rejected.eml", want: []rcpt{{"ichiro.typo@au.example", true, ""}}, diag: "User unknown"},
		{file: "kddi.eml", want: []rcpt{{"jun.full@x0123456789.dion.example", true, ""}}, diag: "mailbox is full", returned: "order-5120@shop.test", nonStandard: true},
		{file: "fml_not_member.eml", want: []rcpt{{"crafts@lists.example.org", true, ""}}, diag: "not a member"},
		{file: "fml_loop.eml", want: []rcpt{{"garden@example.net", true, ""}}, diag: "Duplicated Message-ID", returned: "newsletter-82@shop.test"},
		{file: "imailserver.eml", want: []rcpt{{"ken.left@example.com", true, ""}}, diag: "Unknown user", returned: "invoice-1180@shop.test"},
		{file: "imailserver_quota.eml", want: []rcpt{{"lena.busy@example.co.jp", true, ""}}, diag: "exceeds allowed size"},
		{file: "notes.eml", want: []rcpt{{"mika.gone@notes.example.co.jp", true, ""}}, diag: "not listed", returned: "survey-66@shop.test"},
		{file: "notes_noaddress.eml", want: []rcpt{{"nils.loop@gw.notes.example.org", true, ""}}},
		{file: "domino_french.eml", want: []rcpt{{"odile.partie@domino.example.fr", true, ""}}, diag: "répertorié"},
		{file: "postfix_host_said.eml", want: []rcpt{{"ola.nordmann@example.com", true, "5.2.1"}, {"pia.ghost@example.net", true, "5.1.1"}, {"quentin.far@example.org", true, ""}}, reporter: "relay.shop.test", diag: "Mailbox disabled"},
		{file: "postfix_german.eml", want: []rcpt{{"rainer.weg@example.de", true, "5.1.1"}}, reporter: "mx.example.de", diag: "User unknown in local recipient table"},
		{file: "postfix_unavailable.eml", want: []rcpt{{"sven.lost@example.com", true, ""}}, returned: "voucher-20@shop.test"},
		{file: "postfix_smtpd_errors.eml", want: []rcpt{{"tom.typo@shop.test", true, "5.1.1"}}, diag: "virtual mailbox table"},
		{file: "exim_no_header.eml", want: []rcpt{{"uwe.weg@example.net", true, "5.7.1"}, {"vera.alias@example.net", true, ""}}, diag: "Access denied"},
		{file: "exim_sent_by.eml", want: []rcpt{{"wim.nowhere@example.org", true, ""}}, diag: "Unrouteable address"},
		{file: "exim_dsn_noaddress.eml", want: []rcpt{{"xavi+orders@example.com", true, ""}}, diag: "mailbox is full"},
		{file: "exim_retry.eml", want: []rcpt{{"yara.offline@example.net", true, ""}}, diag: "retry timeout exceeded"},
		{file: "sendmail_transcript.eml", want: []rcpt{{"abel.unknown@example.org", true, "5.1.1"}}, diag: "User Unknown", returned: "restock-41@shop.test"},
		{file: "sendmail_hostunknown.eml", want: []rcpt{{"bea.typo@nohost.example.com", true, "5.1.2"}}, diag: "Host unknown"},
		{file: "v5sendmail.eml", want: []rcpt{{"chie.gone@example.jp", true, ""}}, diag: "User unknown"},
		{file: "opensmtpd.eml", want: []rcpt{{"dan.void@example.org", true, "5.1.1"}}, diag: "User unknown", returned: "order-6120@shop.test"},
		{file: "opensmtpd_delay.eml", want: []rcpt{{"emil.slow@example.net", false, ""}}, delay: true, diag: "Network error"},
		{file: "messagingserver.eml", want: []rcpt{{"fumi.left@example.com", true, "5.1.1"}}, diag: "User Unknown"},
		{file: "mfilter.eml", want: []rcpt{{"goro.nashi@example.co.jp", true, "5.1.1"}}, diag: "unknown user"},
		{file: "biglobe.eml", want: []rcpt{{"hana.full@mail.biglobe.example", true, ""}}},
		{file: "x1.eml", want: []rcpt{{"ivo.unknown@example.net", true, ""}}, diag: "User unknown"},
		{file: "x2.eml", want: []rcpt{{"jonas.missing@example.com", true, ""}}, diag: "account"},
		{file: "x3.eml", want: []rcpt{{"karla.none@example.org", true, "5.3.0"}}, diag: "No such user"},
		{file: "x6.eml", want: []rcpt{{"leo.gone@example.net", true, "5.1.1"}}, diag: "User unknown"},
		{file: "activehunter.eml", want: []rcpt{{"mai.nobody@example.org", true, "5.1.1"}}, diag: "no mailbox here"},
		{file: "interscanmss.eml", want: []rcpt{{"nao.unknown@example.co.jp", true, "5.1.1"}}, diag: "user unknown"},
		{file: "trendmicro.eml", want: []rcpt{{"omar.closed@example.com", true, "5.2.1"}}, diag: "disabled"},
		{file: "mailfoundry.eml", want: []rcpt{{"paco.none@example.org", true, ""}}, diag: "No such user"},
		{file: "mailmarshal.eml", want: []rcpt{{"quim.fora@example.com", true, "5.1.1"}}, diag: "User unknown"},
		{file: "zoho.eml", want: []rcpt{{"rosa.gone@example.co.jp", true, "5.1.1"}}, diag: "Invalid Address"},
		{file: "zoho_status.eml", want: []rcpt{{"stan.far@far.example.net", true, ""}}, diag: "Host not reachable"},
		{file: "gmx.eml", want: []rcpt{{"tina.weg@example.de", true, "5.1.1"}}, diag: "User Unknown"},
		{file: "einsundeins.eml", want: []rcpt{{"urs.big@example.eu", true, ""}}, diag: "size limit exceeded"},
		{file: "qmail_spanish.eml", want: []rcpt{{"vicente.nadie@example.es", true, "5.1.1"}}, diag: "no mailbox here"},
		{file: "qmail_ldap.eml", want: []rcpt{{"walt.off@example.net", true, ""}}, diag: "administratively disabled"},
		// A Google group that refuses the post: a failure for that address.
		{file: "googlegroups.eml", want: []rcpt{{"crafters@googlegroups.example", true, ""}}},
		// A person passes a Sendmail bounce on: a bounce (never an inquiry),
		// with the forwarded report's recipient, but not a machine's report.
		{file: "forwarded_sendmail_inline.eml", want: []rcpt{{"ian.oldjob@example.com", true, "5.1.1"}}, diag: "User unknown", returned: "offer-helen-2@mail.example.org", nonStandard: true},
		{file: "forwarded_sendmail_attached.eml", want: []rcpt{{"jana.closed@example.net", true, "5.2.1"}}, reporter: "mail.example.org", returned: "offer-helen-3@mail.example.org", nonStandard: true},
		{file: "success_dsn.eml"},
		{file: "not_customer_parcel.eml"},
		{file: "not_customer_returned.eml"},
		{file: "not_shop_newsletter.eml"},
		{file: "not_customer_pasted_error.eml"},
		{file: "not_customer_undelivered.eml"},
		{file: "not_customer_forward.eml"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			m := readTestMessage(t, filepath.Join("bounce", tt.file))
			b, ok := ParseBounce(m)
			if tt.want == nil {
				if ok {
					t.Fatalf("ParseBounce = %+v, true; want no bounce", b)
				}
				return
			}
			if !ok {
				t.Fatal("ParseBounce = false, want a bounce")
			}
			var got []rcpt
			for _, r := range b.Recipients {
				got = append(got, rcpt{r.Email, r.Permanent, r.Status})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Recipients = %+v, want %+v", b.Recipients, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("Recipients[%d] = %+v, want %+v (Diagnostic %q)", i, got[i], tt.want[i], b.Recipients[i].Diagnostic)
				}
			}
			if b.Delay != tt.delay {
				t.Errorf("Delay = %v, want %v", b.Delay, tt.delay)
			}
			if tt.reporter != "" && b.Reporter != tt.reporter {
				t.Errorf("Reporter = %q, want %q", b.Reporter, tt.reporter)
			}
			if tt.diag != "" && !strings.Contains(b.Recipients[0].Diagnostic, tt.diag) {
				t.Errorf("Diagnostic = %q, want it to contain %q", b.Recipients[0].Diagnostic, tt.diag)
			}
			if tt.returned != "" && !slices.Contains(b.Returned, tt.returned) {
				t.Errorf("Returned = %q, want it to hold %q", b.Returned, tt.returned)
			}
			if b.Standard == tt.nonStandard {
				t.Errorf("Standard = %v, want %v", b.Standard, !tt.nonStandard)
			}
		})
	}
}

func TestParseBounceNeedsMachineNotWords(t *testing.T) {
	raw := "From: Pam <pam@example.com>\r\nTo: shop@example.test\r\nSubject: Undeliverable: my parcel\r\n\r\n" +
		"The parcel to olga@example.com could not be delivered: 550 user unknown, they said.\r\n"
	m, err := ParseBytes([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := ParseBounce(m); ok {
		t.Errorf("ParseBounce = %+v, want no bounce for a person's words", b)
	}
	// People's words that share phrases with mail servers' reports.
	for _, raw := range []string{
		"From: Ann <ann@example.com>\r\nSubject: Undelivered? Order 12\r\n\r\n" +
			"My parcel could not be delivered because of the strike. We had trouble delivering your message\r\n" +
			"to the courier too; they were unable to deliver message to <ann@example.com>, they said.\r\n",
		"From: Ben <ben@example.com>\r\nSubject: Fwd: Returned mail\r\n\r\n" +
			"---------- Forwarded message ---------\r\nFrom: Cleo <cleo@example.org>\r\n" +
			"Subject: Returned mail\r\nTo: <ben@example.com>\r\n\r\nThe parcel was returned, user unknown at 5 Elm St.\r\n",
		"From: Supplier <orders@example.net>\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\n" +
			"I am away. Due to delivery problems our shipments are late; nothing arrived (届きませんでした).\r\n",
	} {
		m, err := ParseBytes([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if b, ok := ParseBounce(m); ok {
			t.Errorf("ParseBounce(%.40q) = %+v, want no bounce", raw, b)
		}
	}
	if b, ok := ParseBounce(nil); ok || b != nil {
		t.Errorf("ParseBounce(nil) = %v, %v", b, ok)
	}
}

// TestParseBounceNotAnInquiry checks reports that were once answered as
// customer inquiries: they are bounces, so never answered.
func TestParseBounceNotAnInquiry(t *testing.T) {
	for _, file := range []string{"apachejames_notify.eml", "verizon.eml", "fml_not_member.eml", "fml_loop.eml",
		"kddi.eml", "amazonses_sns.eml", "forwarded_sendmail_inline.eml", "forwarded_sendmail_attached.eml"} {
		m := readTestMessage(t, filepath.Join("bounce", file))
		if got := AutoReason(m); got != "bounce" {
			t.Errorf("%s: AutoReason = %q, want \"bounce\"", file, got)
		}
	}
}

func FuzzParseBounce(f *testing.F) {
	for _, dir := range []string{"bounce", "auto"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.eml"))
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	f.Add([]byte("From: MAILER-DAEMON@x.example\r\nSubject: failure notice\r\n\r\n<\xff@\xfe.example>:\r\n550 5.1.1 no"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseBytes(raw)
		if err != nil {
			return
		}
		b, ok := ParseBounce(m)
		if !ok {
			if b != nil {
				t.Fatal("non-nil Bounce without ok")
			}
			return
		}
		for _, s := range []string{b.Reporter} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		for _, r := range b.Recipients {
			if !utf8.ValidString(r.Email) || !utf8.ValidString(r.Diagnostic) || !utf8.ValidString(r.Status) {
				t.Fatalf("invalid UTF-8 in %+v", r)
			}
			if r.Email != strings.ToLower(r.Email) || !strings.Contains(r.Email, "@") {
				t.Fatalf("bad Email %q", r.Email)
			}
		}
		_ = AutoReason(m)
	})
}
