package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestForgetLeavesNoByteOfTheCustomerAndNothingIsSentAgain: after
// followupd forget, neither the database file nor its WAL holds the
// address, the name or the words of the customer, anywhere; another
// customer's record that named them keeps its place without it; and when
// they write again, nothing is kept and nothing is sent.
func TestForgetLeavesNoByteOfTheCustomerAndNothingIsSentAgain(t *testing.T) {
	e := newMailEnv(t, "")
	path := e.writeConfig(cfg{business: `min_gap = "0s"`, tables: noDigest, sequences: complaintSequences})
	env := map[string]string{"FOLLOWUPD_TEST_IMAP_PASSWORD": e.pass}
	p := runInProcess(t, env, "-config", path)
	p.stderr.waitLine(t, 0, "imap connected")
	e.deliver(customerMail("Dana Quixbury <Dana.Quixbury@example.com>", "Broken zither bell", "dana-1@example.com",
		"The zither bell you sold me arrived cracked down the middle."))
	e.deliver(customerMail("Eli Brandt <eli@example.com>", "Do you rent tandems?", "eli-1@example.com", "Do you rent tandems for a weekend?"))
	e.waitSent(3) // Dana's apology and the owner's alert; Eli's thank-you
	// The owner's command names both: it is recorded as Eli's.
	e.deliver(ownerMailTo("cmd-1", "#vip eli@example.com dana.quixbury@example.com", "good customers", stampPass))
	eventually(t, "the command applied", func() bool { return customerOf(t, path, "eli@example.com").Email != "" && vipOf(t, path) })
	if code := p.stop(); code != 0 {
		t.Fatalf("run exited %d", code)
	}

	out := cliOK(t, "forget", "-config", path, "Dana Quixbury <DANA.QUIXBURY@example.com>")
	if !strings.Contains(out, "forgotten:") || !strings.Contains(out, "cannot erase the mail itself") {
		t.Errorf("forget says:\n%s", out)
	}
	db := dbPath(t, path)
	for _, file := range []string{db, db + "-wal", db + "-shm"} {
		b, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, trace := range []string{"dana.quixbury", "Quixbury", "zither bell", "cracked down the middle", "dana-1@example.com"} {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(trace))) {
				t.Errorf("%s still holds %q", file, trace)
			}
		}
	}
	if _, _, code := cli(t, "customer", "-config", path, "dana.quixbury@example.com"); code == 0 {
		t.Error("the forgotten customer is still known")
	}
	if eli := customerOf(t, path, "eli@example.com"); eli.Email != "eli@example.com" {
		t.Errorf("Eli was forgotten too: %+v", eli)
	}

	// She writes again: nothing is kept of it, nothing sent.
	p = runInProcess(t, env, "-config", path)
	p.stderr.waitLine(t, 0, "imap connected")
	e.deliver(customerMail("Dana Quixbury <dana.quixbury@example.com>", "Zither bell again", "dana-2@example.com", "Still cracked."))
	e.deliver(customerMail("Fay Lund <fay@example.com>", "Opening hours?", "fay-1@example.com", "When are you open?"))
	e.waitSent(4) // Fay's thank-you: the sign that Dana's mail was decided before it
	if code := p.stop(); code != 0 {
		t.Fatalf("run exited %d", code)
	}
	for _, c := range e.smtp.Messages()[3:] {
		if strings.Contains(strings.ToLower(c.To[0]), "dana") {
			t.Errorf("mail went to the forgotten address: %v", c.To)
		}
	}
	b, _ := os.ReadFile(db)
	if bytes.Contains(bytes.ToLower(b), []byte("quixbury")) {
		t.Error("her new mail put her address back in the database")
	}
}

func vipOf(t *testing.T, path string) bool {
	var c struct {
		VIP bool `json:"vip"`
	}
	cliJSON(t, &c, "customer", "-json", "-config", path, "eli@example.com")
	return c.VIP
}

// dbPath is the database of the config at path: followupd.db beside it.
func dbPath(t *testing.T, path string) string {
	t.Helper()
	return strings.TrimSuffix(path, "followupd.toml") + "followupd.db"
}
