package testserver

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestDovecotAppendIsFetchedAndSurvivesRestart(t *testing.T) {
	t.Parallel()
	d := NeedDovecot(t)
	raw := testMessage("to dovecot")
	if err := d.Append("INBOX", raw); err != nil {
		t.Fatal(err)
	}
	c := dialIMAP(t, d.Addr(), "shop@example.test", "secret", nil)
	got, validity := fetchUID(t, c, "INBOX", 1)
	assertSameMessage(t, got, raw)

	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Closed():
	case <-time.After(10 * time.Second):
		t.Fatal("client still connected after Stop")
	}
	if cl, err := imapDial(d.Addr()); err == nil {
		cl.Close()
		t.Fatal("stopped dovecot accepted a connection")
	}
	if err := d.Restart(); err != nil {
		t.Fatal(err)
	}
	c2 := dialIMAP(t, d.Addr(), "shop@example.test", "secret", nil)
	got, validity2 := fetchUID(t, c2, "INBOX", 1)
	assertSameMessage(t, got, raw)
	if validity2 != validity {
		t.Errorf("UIDVALIDITY changed across restart: %d -> %d", validity, validity2)
	}
}

func TestDovecotHasSentMailbox(t *testing.T) {
	t.Parallel()
	d := NeedDovecot(t)
	c := dialIMAP(t, d.Addr(), "shop@example.test", "secret", nil)
	list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		for _, a := range m.Attrs {
			if m.Mailbox == "Sent" && a == imap.MailboxAttrSent {
				return
			}
		}
	}
	t.Fatalf("no Sent mailbox with \\Sent in %+v", list)
}

func TestDovecotIdleClientIsToldOfAppend(t *testing.T) {
	t.Parallel()
	d := NeedDovecot(t)
	w := make(existsWatcher, 16)
	c := dialIMAP(t, d.Addr(), "shop@example.test", "secret", w.handler())
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Append("INBOX", testMessage("while idle")); err != nil {
		t.Fatal(err)
	}
	w.waitFor(t, 1, 15*time.Second)
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestDovecotFreezeHoldsGreetingUntilThaw(t *testing.T) {
	t.Parallel()
	d := NeedDovecot(t)
	if err := d.Freeze(); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", d.Addr())
	if err != nil {
		d.Thaw()
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if line, err := r.ReadString('\n'); err == nil {
		d.Thaw()
		t.Fatalf("frozen dovecot answered %q", line)
	}
	if err := d.Thaw(); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "* OK") {
		t.Fatalf("after thaw: %q, %v", line, err)
	}
}

func TestDovecotRecreateMailboxChangesUIDValidity(t *testing.T) {
	t.Parallel()
	d := NeedDovecot(t)
	for _, mailbox := range []string{"Sent", "INBOX"} {
		t.Run(mailbox, func(t *testing.T) {
			raw := testMessage("recreated " + mailbox)
			if err := d.Append(mailbox, raw); err != nil {
				t.Fatal(err)
			}
			c := dialIMAP(t, d.Addr(), "shop@example.test", "secret", nil)
			_, before := fetchUID(t, c, mailbox, 1)
			c.Close()
			if err := d.RecreateMailbox(mailbox); err != nil {
				t.Fatalf("%v\n%s", err, d.LogTail())
			}
			c = dialIMAP(t, d.Addr(), "shop@example.test", "secret", nil)
			sel, err := c.Select(mailbox, nil).Wait()
			if err != nil {
				t.Fatal(err)
			}
			if sel.UIDValidity == before || sel.NumMessages != 1 {
				t.Fatalf("after recreate: UIDVALIDITY %d (was %d), %d messages", sel.UIDValidity, before, sel.NumMessages)
			}
			msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
			if err != nil || len(msgs) != 1 {
				t.Fatalf("fetch: %v, %d", err, len(msgs))
			}
			assertSameMessage(t, msgs[0].FindBodySection(&imap.FetchItemBodySection{Peek: true}), raw)
		})
	}
}

func TestDovecotConfigFollowsVersion(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		v24       bool
		want, not []string
	}{
		{"2.3", false, []string{"disable_plaintext_auth = no", "mail_location = maildir:", "driver = passwd-file"}, []string{"dovecot_config_version", "mail_driver"}},
		{"2.4", true, []string{"dovecot_config_version = 2.4.0", "auth_allow_cleartext = yes", "mail_driver = maildir", "passdb passwd-file {"}, []string{"mail_location", "disable_plaintext_auth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".conf")
			p := dovecotParams{Port: 1143, Dir: dir, BaseDir: dir, MailUID: 8, MailGID: 8, LoginUser: "dovenull", InternalUser: "dovecot", V24: tt.v24, ConfigVersion: "2.4.0"}
			if err := writeDovecotConfig(path, p); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("config lacks %q:\n%s", w, b)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(string(b), n) {
					t.Errorf("config has %q:\n%s", n, b)
				}
			}
		})
	}
}
