package faulttest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

// env is one test's world: a Dovecot, an SMTP capture, a config file and
// the daemon's database and log in a temp dir.
type env struct {
	t       *testing.T
	dir     string
	dovecot *testserver.Dovecot
	smtp    *testserver.SMTP
	cfgPath string
	dbPath  string
	logPath string
	run     string // makes this test's Message-IDs unique
	seq     atomic.Int64
}

// Settings every test shares: a sequence that answers every inquiry at
// once, no throttle, no digest, and short IMAP deadlines so that faults
// are noticed within seconds. Hundreds of first contacts are volume here,
// not an attack: the limits are off.
const configTemplate = `
[business]
name = "Acme Bikes"
owner_name = "Pam"
owner_email = "owner@example.test"
timezone = "UTC"
min_gap = "0s"
daily_cap = 0

[imap]
address = %q
security = "none"
username = "shop@example.test"
password = "secret"
idle_refresh = "5s"
timeout = "3s"

[smtp]
address = %q
security = "none"
from = "Pam at Acme Bikes <shop@example.test>"
timeout = "10s"
%s
[store]
path = "followupd.db"

[trust]
new_recipients_per_hour = 0
owner_alerts_per_hour = 0

[digest]
time = ""

[[sequence]]
name = "thanks"
on = "inquiry"
stop_on_reply = false
steps = [ { after = "0s", template = "thank-you" } ]
`

// newEnv starts Dovecot (skipping the test when it is not installed) and
// an SMTP capture, and writes the config; extraSMTP is added to [smtp].
func newEnv(t *testing.T, extraSMTP string) *env {
	t.Helper()
	d := testserver.NeedDovecot(t)
	s, err := testserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e := &env{t: t, dir: t.TempDir(), dovecot: d, smtp: s, run: fmt.Sprintf("%x", time.Now().UnixNano())}
	e.cfgPath = filepath.Join(e.dir, "followupd.toml")
	e.dbPath = filepath.Join(e.dir, "followupd.db")
	e.logPath = filepath.Join(e.dir, "followupd.log")
	src := fmt.Sprintf(configTemplate, d.Addr(), s.Addr(), extraSMTP)
	if err := os.WriteFile(e.cfgPath, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	// Runs before the servers' cleanups (registered earlier) and after the
	// daemons' kills (registered later): the log is complete here.
	t.Cleanup(e.checkLog)
	return e
}

// inquiry is a customer's question: followupd files it as an inquiry.
type inquiry struct {
	MsgID    string // without brackets
	Customer string // lower-case address
	Raw      []byte
}

// newInquiry writes a question from customer number c.
func (e *env) newInquiry(c int) inquiry {
	n := e.seq.Add(1)
	q := inquiry{
		MsgID:    fmt.Sprintf("q%d.%s@customers.example", n, e.run),
		Customer: fmt.Sprintf("customer%d@customers.example", c),
	}
	q.Raw = []byte(strings.ReplaceAll(fmt.Sprintf(`From: Customer%d Tester <%s>
To: Acme Bikes <shop@example.test>
Subject: Question %d
Date: %s
Message-ID: <%s>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello, do you have the blue bike in size M? (question %d)
`, c, q.Customer, n, time.Now().Format(time.RFC1123Z), q.MsgID, n), "\n", "\r\n"))
	return q
}

// appendIMAP appends q to INBOX over IMAP (Dovecot must be running).
func (e *env) appendIMAP(q inquiry) {
	e.t.Helper()
	if err := e.dovecot.Append("INBOX", q.Raw); err != nil {
		e.t.Fatalf("append %s: %v", q.MsgID, err)
	}
}

// deliverMaildir drops q into INBOX's maildir as a delivery agent would
// (write in tmp/, rename into new/): mail that arrives while Dovecot is
// down. Dovecot finds it when it next looks at the mailbox.
func (e *env) deliverMaildir(q inquiry) {
	e.t.Helper()
	root := filepath.Join(e.dovecot.Dir(), "mail", "Maildir")
	fi, err := os.Stat(root)
	if err != nil {
		e.t.Fatalf("maildir: %v", err)
	}
	name := fmt.Sprintf("%d.M%dP%d.faulttest", time.Now().Unix(), e.seq.Add(1), os.Getpid())
	tmp := filepath.Join(root, "tmp", name)
	if err := os.WriteFile(tmp, q.Raw, 0o600); err != nil {
		e.t.Fatal(err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		// Dovecot runs as the maildir's owner.
		if err := os.Chown(tmp, int(st.Uid), int(st.Gid)); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := os.Rename(tmp, filepath.Join(root, "new", name)); err != nil {
		e.t.Fatal(err)
	}
}

// waitUntil polls cond every 50 ms until it holds, failing the test with
// cond's last explanation when bound passes first.
func waitUntil(t *testing.T, bound time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %s", what, bound, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
