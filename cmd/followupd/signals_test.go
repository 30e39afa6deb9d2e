package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

// These tests run the built followupd binary as a subprocess against mail
// servers in the test process: what a service manager and an owner see.

const thankYouOnly = `
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [ { after = "0s", template = "thank-you" } ]
`

// noDigest keeps the daemon's own digest out of the SMTP capture.
const noDigest = "[digest]\ntime = \"\"\n"

func TestSIGHUPReloadsTemplatesAndKeepsTheOldOnesWhenAnEditIsBroken(t *testing.T) {
	e := newMailEnv(t, "")
	tpl := e.writeFile("templates/thank-you.txt", "Subject: {{reply .Message.Subject}}\n\nHi {{.Customer.FirstName}}, VERSION ONE\n")
	path := e.writeConfig(cfg{tables: "[templates]\ndir = \"templates\"\n" + noDigest, sequences: thankYouOnly})
	p := startProc(t, []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass}, "run", "-config", path)
	p.waitConnected()

	for i, step := range []struct {
		name     string
		edit     string   // the new thank-you.txt; "" = no edit, no SIGHUP
		wantLog  []string // the line the SIGHUP must log
		wantBody string   // in the next customer's thank-you
	}{
		{"the template at start is used", "", nil, "VERSION ONE"},
		{"an edit is used after SIGHUP",
			"Subject: {{reply .Message.Subject}}\n\nHi {{.Customer.FirstName}}, VERSION TWO\n",
			[]string{"reloaded config and templates"}, "VERSION TWO"},
		{"a syntax error is refused and the running templates stay",
			"Subject: {{reply .Message.Subject}}\n\nHi {{.Customer.FirstName}, VERSION THREE\n",
			[]string{"reload refused", tpl + ":3"}, "VERSION TWO"},
		{"an unknown field is refused and the running templates stay",
			"Subject: {{reply .Message.Subject}}\n\nHi {{.Customer.Nickname}}, VERSION FOUR\n",
			[]string{"reload refused", tpl + ":3", "Nickname"}, "VERSION TWO"},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.edit != "" {
				off := len(p.stderr.String())
				e.writeFile("templates/thank-you.txt", step.edit)
				p.signal(syscall.SIGHUP)
				p.stderr.waitLine(t, off, step.wantLog...)
			}
			to := fmt.Sprintf("customer%d@example.com", i)
			e.deliver(customerMail("Chris Doe <"+to+">", "Question number "+fmt.Sprint(i), fmt.Sprintf("q%d@example.com", i), "Do you sell bells?"))
			msgs := e.waitSent(i + 1)
			got := msgs[i]
			if got.To[0] != to || !strings.Contains(string(got.Data), step.wantBody) {
				t.Errorf("thank-you to %s should say %q; got to %v:\n%s", to, step.wantBody, got.To, got.Data)
			}
		})
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(10 * time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}

func TestSIGTERMMidQueueStopsCleanlyAndARestartSendsEachFollowUpOnce(t *testing.T) {
	const customers = 60
	e := newMailEnv(t, "")
	// A slow server: each message takes 50ms, so the queue is busy when
	// SIGTERM comes.
	e.smtp.SetFault(func(int, []string) testserver.Fault {
		time.Sleep(50 * time.Millisecond)
		return testserver.FaultNone
	})
	path := e.writeConfig(cfg{tables: noDigest, sequences: thankYouOnly, trust: "new_recipients_per_hour = 0 # volume, not an attack"})
	env := []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass}

	first := startProc(t, env, "run", "-config", path)
	first.waitConnected()
	for i := range customers {
		to := fmt.Sprintf("c%02d@example.com", i)
		e.deliver(customerMail("Customer "+fmt.Sprint(i)+" <"+to+">", "Opening hours?", fmt.Sprintf("m%02d@example.com", i), "When are you open on Saturdays?"))
	}
	e.waitSent(10)
	first.signal(syscall.SIGTERM)
	// Stopping within 10s is what the service manager needs (systemd's
	// default is 90s, but the issue asks for a prompt stop).
	if code := first.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0\n%s", code, first.stderr)
	}
	if n := len(e.smtp.Messages()); n >= customers {
		t.Fatalf("the queue had drained (%d sent) before SIGTERM took effect: nothing was tested", n)
	}
	if !strings.Contains(first.stderr.String(), "stopping") {
		t.Errorf("SIGTERM was not logged:\n%s", first.stderr)
	}

	second := startProc(t, env, "run", "-config", path)
	e.waitSent(customers)
	second.signal(syscall.SIGTERM)
	if code := second.wait(10 * time.Second); code != 0 {
		t.Fatalf("restarted followupd: exit %d after SIGTERM, want 0", code)
	}

	// Both processes have exited: what the server holds is final.
	got := map[string]int{}
	for _, c := range e.smtp.Messages() {
		got[c.To[0]]++
	}
	for i := range customers {
		to := fmt.Sprintf("c%02d@example.com", i)
		if got[to] != 1 {
			t.Errorf("%s got %d thank-yous, want exactly 1", to, got[to])
		}
		delete(got, to)
	}
	if len(got) > 0 {
		t.Errorf("mail to unexpected recipients: %v", got)
	}
	var st statusOut
	t.Setenv("FOLLOWUPD_TEST_IMAP_PASSWORD", e.pass)
	cliJSON(t, &st, "status", "-json", "-config", path)
	if st.Followups["sent"] != customers || st.Followups["doubt"] != 0 || st.Followups["sending"] != 0 || st.Followups["pending"] != 0 {
		t.Errorf("status after the restart: %+v, want %d sent and nothing pending or in doubt", st.Followups, customers)
	}
}

func TestSecondSignalWhileStoppingExitsAtOnce(t *testing.T) {
	for _, second := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(second.String(), func(t *testing.T) {
			e := newMailEnv(t, "")
			// The server never answers the message: the send in flight
			// would hold a clean stop for the whole grace period.
			inFlight := make(chan struct{}, 1)
			e.smtp.SetFault(func(int, []string) testserver.Fault {
				select {
				case inFlight <- struct{}{}:
				default:
				}
				return testserver.FaultStall
			})
			path := e.writeConfig(cfg{tables: noDigest, sequences: thankYouOnly})
			p := startProc(t, []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass}, "run", "-config", path)
			p.waitConnected()
			e.deliver(customerMail("Dana <dana@example.com>", "Opening hours?", "h1@example.com", "When are you open?"))
			select {
			case <-inFlight:
			case <-time.After(20 * time.Second):
				t.Fatal("no send started")
			}
			p.signal(syscall.SIGTERM)
			p.stderr.waitLine(t, 0, "stopping")
			p.signal(second)
			// A clean stop would wait out the grace period and exit 0;
			// the second signal exits now, with 1.
			if code := p.wait(10 * time.Second); code == 0 {
				t.Errorf("exit 0 after a second signal: it waited for a clean stop")
			}
			if !strings.Contains(p.stderr.String(), "second signal") {
				t.Errorf("the second signal was not logged:\n%s", p.stderr)
			}
		})
	}
}

func TestJSONLogsNameTheCustomerAndNeverTheSecrets(t *testing.T) {
	const smtpPass = "smtp-Geheimnis-4242"
	for _, tt := range []struct {
		name    string
		dovecot bool
		pass    string
	}{
		{"in-process imap, ascii password", false, "imap-S3cret-xyzzy"},
		{"in-process imap, non-ascii password", false, "Grüße-Passwort-7319"},
		{"dovecot, ascii password", true, "imap-S3cret-xyzzy"},
		// Dovecot offers LITERAL+: go-imap sends a non-ASCII password as a
		// literal after "{N+}\r\n", which no pattern over the trace can
		// be trusted to find; the LOGIN exchange is not traced at all.
		{"dovecot, non-ascii password", true, "Grüße-Passwort-7319"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e *mailEnv
			if tt.dovecot {
				e = newDovecotEnv(t, tt.pass)
			} else {
				e = newMailEnv(t, tt.pass)
			}
			e.smtp.RequireAuth("shop@example.test", smtpPass)
			path := e.writeConfig(cfg{
				smtp:      "username = \"shop@example.test\"\npassword_env = \"FOLLOWUPD_TEST_SMTP_PASSWORD\"",
				tables:    noDigest,
				sequences: thankYouOnly,
			})
			p := startProc(t, []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass, "FOLLOWUPD_TEST_SMTP_PASSWORD=" + smtpPass},
				"run", "-config", path, "-log-format", "json", "-debug")
			p.waitConnected()
			e.deliver(customerMail("Dana Reyes <dana@example.com>", "Opening hours?", "h1@example.com", "When are you open?"))
			e.waitSent(1)
			p.signal(syscall.SIGTERM)
			if code := p.wait(10 * time.Second); code != 0 {
				t.Fatalf("exit %d after SIGTERM, want 0", code)
			}
			logs := p.stderr.String()

			decisions := map[string]bool{}
			traced, loginTraced, literalsLeftOut := false, false, false
			for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Errorf("stderr line is not JSON: %v\n%s", err, line)
					continue
				}
				msg, _ := rec["msg"].(string)
				if rec["customer"] == "dana@example.com" {
					decisions[msg] = true
				}
				if msg == "imap trace" {
					traced = true
					data, _ := rec["data"].(string)
					loginTraced = loginTraced || strings.Contains(data, "LOGIN exchange not traced")
					literalsLeftOut = literalsLeftOut || strings.Contains(data, "bytes not traced")
					// The customer's mail travels in literals: neither its
					// words nor its headers are traced.
					if strings.Contains(data, "When are you open?") || strings.Contains(data, "Dana Reyes") {
						t.Errorf("the IMAP trace shows the customer's mail: %s", data)
					}
				}
			}
			for _, want := range []string{"message ingested", "follow-up sent"} {
				if !decisions[want] {
					t.Errorf("no %q line with customer=dana@example.com (decision lines: %v)", want, decisions)
				}
			}
			if !traced || !loginTraced || !literalsLeftOut {
				t.Errorf("-debug did not trace the IMAP session and say the LOGIN and the literals were left out (traced %v, login note %v, literals %v)",
					traced, loginTraced, literalsLeftOut)
			}
			for what, secret := range map[string]string{
				"the IMAP password":              tt.pass,
				"the SMTP password":              smtpPass,
				"the SMTP password's AUTH PLAIN": base64.StdEncoding.EncodeToString([]byte("\x00shop@example.test\x00" + smtpPass)),
				"the IMAP password's AUTH PLAIN": base64.StdEncoding.EncodeToString([]byte("\x00shop@example.test\x00" + tt.pass)),
			} {
				if strings.Contains(logs, secret) {
					t.Errorf("%s appears in the log:\n%s", what, grepLines(logs, secret))
				}
			}
		})
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var adminAddrRE = regexp.MustCompile(`msg="admin listener" addr=(\S+)`)

// get fetches url and returns the status code and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// waitStatus polls url (bounded) until it answers code.
func waitStatus(t *testing.T, url string, code int) string {
	t.Helper()
	var got int
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got, body = get(t, url); got == code {
			return body
		}
	}
	t.Fatalf("GET %s kept answering %d, want %d: %s", url, got, code, body)
	return ""
}

func TestAdminHealthzFollowsTheIMAPConnectionAndMetricsCount(t *testing.T) {
	e := newMailEnv(t, "")
	path := e.writeConfig(cfg{
		imap:      "idle_refresh = \"2s\"\ntimeout = \"2s\"",
		tables:    noDigest + "[admin]\nlisten = \"127.0.0.1:0\"\n",
		sequences: thankYouOnly,
	})
	p := startProc(t, []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass}, "run", "-config", path)
	line, _ := p.stderr.waitLine(t, 0, "admin listener")
	m := adminAddrRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no addr= in %q", line)
	}
	base := "http://" + m[1]

	waitStatus(t, base+"/healthz", http.StatusOK)
	e.deliver(customerMail("Dana Reyes <dana@example.com>", "Opening hours?", "h1@example.com", "When are you open?"))
	e.waitSent(1)
	// The server has the message; the daemon records the send just after.
	var metrics string
	want := []string{
		`followupd_messages_ingested_total{kind="customer"} 1`,
		`followupd_followups_sent_total{template="thank-you"} 1`,
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var code int
		code, metrics = get(t, base+"/metrics")
		if code != http.StatusOK {
			t.Fatalf("/metrics answered %d", code)
		}
		if containsAll(metrics, want) || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range want {
		if !strings.Contains(metrics, w+"\n") {
			t.Errorf("/metrics lacks %q:\n%s", w, grepLines(metrics, "followupd_"))
		}
	}

	e.imap.Stop()
	body := waitStatus(t, base+"/healthz", http.StatusServiceUnavailable)
	var h struct {
		Status string `json:"status"`
		IMAP   struct {
			Connected bool `json:"connected"`
		} `json:"imap"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil || h.Status != "unhealthy" || h.IMAP.Connected {
		t.Errorf("/healthz with IMAP down answered %s (%v)", body, err)
	}
	if err := e.imap.Restart(); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, base+"/healthz", http.StatusOK)

	p.signal(syscall.SIGTERM)
	if code := p.wait(10 * time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}
