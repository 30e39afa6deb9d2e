package testserver

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func startIMAP(t *testing.T) *IMAP {
	t.Helper()
	s, err := StartIMAP("shop@example.test", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func TestIMAPAppendedMessageIsFetchedByUID(t *testing.T) {
	s := startIMAP(t)
	for _, mailbox := range []string{"INBOX", "Sent"} {
		raw := testMessage("order " + mailbox)
		uid, err := s.Append(mailbox, raw)
		if err != nil {
			t.Fatal(err)
		}
		c := dialIMAP(t, s.Addr(), "shop@example.test", "secret", nil)
		got, _ := fetchUID(t, c, mailbox, uid)
		assertSameMessage(t, got, raw)
	}
	if _, err := s.Append("Nope", testMessage("x")); err == nil {
		t.Error("append to a missing mailbox succeeded")
	}
}

func TestIMAPRejectsWrongPasswordAndAdvertisesIdle(t *testing.T) {
	s := startIMAP(t)
	c := dialIMAP(t, s.Addr(), "shop@example.test", "secret", nil)
	if !c.Caps().Has(imap.CapIdle) {
		t.Errorf("IDLE not advertised: %v", c.Caps())
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("listening on %s, want 127.0.0.1", s.Addr())
	}
	bad, err := imapDial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if err := bad.Login("shop@example.test", "wrong").Wait(); err == nil {
		t.Error("login with a wrong password succeeded")
	}
}

func TestIMAPIdleClientIsToldOfAppend(t *testing.T) {
	tests := []struct {
		name   string
		append func(t *testing.T, s *IMAP)
	}{
		{"by the test", func(t *testing.T, s *IMAP) {
			if _, err := s.Append("INBOX", testMessage("while idle")); err != nil {
				t.Fatal(err)
			}
		}},
		{"by another client", func(t *testing.T, s *IMAP) {
			c := dialIMAP(t, s.Addr(), "shop@example.test", "secret", nil)
			raw := testMessage("appended over IMAP")
			cmd := c.Append("INBOX", int64(len(raw)), nil)
			cmd.Write(raw)
			cmd.Close()
			if _, err := cmd.Wait(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startIMAP(t)
			w := make(existsWatcher, 16)
			c := dialIMAP(t, s.Addr(), "shop@example.test", "secret", w.handler())
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			idle, err := c.Idle()
			if err != nil {
				t.Fatal(err)
			}
			tt.append(t, s)
			w.waitFor(t, 1, 10*time.Second)
			if err := idle.Close(); err != nil {
				t.Fatal(err)
			}
			if err := idle.Wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestIMAPStopDropsIdleClientAndRestartKeepsMail(t *testing.T) {
	s := startIMAP(t)
	raw := testMessage("kept")
	uid, err := s.Append("INBOX", raw)
	if err != nil {
		t.Fatal(err)
	}
	c := dialIMAP(t, s.Addr(), "shop@example.test", "secret", nil)
	_, validity := fetchUID(t, c, "INBOX", uid)
	if _, err := c.Idle(); err != nil {
		t.Fatal(err)
	}

	s.Stop()
	select {
	case <-c.Closed():
	case <-time.After(10 * time.Second):
		t.Fatal("idle client still connected after Stop")
	}
	if cl, err := imapDial(s.Addr()); err == nil {
		cl.Close()
		t.Fatal("stopped server accepted a connection")
	}

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	c2 := dialIMAP(t, s.Addr(), "shop@example.test", "secret", nil)
	got, validity2 := fetchUID(t, c2, "INBOX", uid)
	assertSameMessage(t, got, raw)
	if validity2 != validity {
		t.Errorf("UIDVALIDITY changed across restart: %d -> %d", validity, validity2)
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart of a running server succeeded")
	}
}
