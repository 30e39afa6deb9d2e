package main

import (
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

const purchaseSequence = `
[[sequence]]
name = "after-purchase"
on = "purchase"
steps = [ { after = "0s", template = "feedback-request" } ]
`

type statusOut struct {
	Customers int            `json:"customers"`
	Messages  int            `json:"messages"`
	Skipped   int            `json:"skipped"`
	OpenCases int            `json:"open_cases"`
	Followups map[string]int `json:"followups"`
	IMAP      struct {
		LastSync string `json:"last_sync"`
	} `json:"imap"`
}

type queueEntry struct {
	ID        int64  `json:"id"`
	Due       string `json:"due"`
	SendAt    string `json:"send_at"`
	Sequence  string `json:"sequence"`
	Step      int    `json:"step"`
	Template  string `json:"template"`
	To        string `json:"to"`        // the address
	Recipient string `json:"recipient"` // "customer" or "owner"
	Customer  string `json:"customer"`
	State     string `json:"state"`
}

type customerOut struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	FirstTime bool   `json:"first_time"`
	OpenCase  bool   `json:"open_case"`
	OptedOut  bool   `json:"opted_out"`
	Language  string `json:"language"`
	LangSet   bool   `json:"language_set_by_owner"`
	Messages  []struct {
		Kind     string `json:"kind"`
		Category string `json:"category"`
		Subject  string `json:"subject"`
	} `json:"messages"`
	Followups []struct {
		ID       int64  `json:"id"`
		Sequence string `json:"sequence"`
		Template string `json:"template"`
		State    string `json:"state"`
		Note     string `json:"note"`
	} `json:"followups"`
	Cases []struct {
		ID      int64  `json:"id"`
		Subject string `json:"subject"`
		Open    bool   `json:"open"`
	} `json:"cases"`
	Feedback []struct {
		Rating int    `json:"rating"`
		Text   string `json:"text"`
	} `json:"feedback"`
}

// eventually polls ok (bounded) and fails the test if it never holds.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ownerDay is a store the daemon filled: two inquiries (Dana, Eli), a
// complaint (Lee), an owner forward tagged #complaint (Omar), a purchase
// answered with a 5-star rating (Maya) and an inquiry whose thank-you the
// server refused with 550 (gone@example.net).
type ownerDay struct {
	env  *mailEnv
	opts cfg
	cfg  string
}

func fillOwnerDay(t *testing.T) *ownerDay {
	t.Helper()
	e := newMailEnv(t, "")
	d := &ownerDay{env: e}
	d.opts = cfg{
		business:  `min_gap = "0s"`,
		tables:    "[digest]\ntime = \"\"\n", // the CLI prints it; the daemon sends none
		sequences: complaintSequences + purchaseSequence,
	}
	d.cfg = e.writeConfig(d.opts)
	e.smtp.RejectRcpt("gone@example.net", 550, "5.1.1 no such user here")
	env := map[string]string{"FOLLOWUPD_TEST_IMAP_PASSWORD": e.pass}

	p := runInProcess(t, env, "-config", d.cfg)
	p.stderr.waitLine(t, 0, "imap connected")
	e.deliver(fixture(t, "customer.eml"))
	e.deliver(customerMail("Eli Brandt <eli@example.com>", "Do you rent tandems?", "eli-1@example.com", "Do you rent tandems for a weekend?"))
	e.deliver(fixture(t, "complaint.eml"))
	e.deliver(fixture(t, "forward_complaint.eml"))
	e.deliver(customerMail("Gone Person <gone@example.net>", "Do you rent bikes?", "gone-1@example.net", "Do you rent bikes?"))
	e.deliver(customerMail("Maya Lind <maya@example.com>", "Order #1042 picked up", "maya-1@example.com", "I bought the blue cruiser and picked it up today."))

	// Dana, Eli: thank-you; Lee, Omar: apology and an owner alert each; Maya: feedback request.
	e.waitSent(7)
	var request *mail.Message
	for _, c := range e.sentTo("maya@example.com") {
		request, _ = mail.ReadMessage(strings.NewReader(string(c.Data)))
	}
	if request == nil {
		t.Fatalf("Maya got no feedback request:\n%s", summary(e.smtp.Messages()))
	}
	e.deliver([]byte(strings.ReplaceAll(`From: Maya Lind <maya@example.com>
To: shop@example.test
Subject: Re: `+request.Header.Get("Subject")+`
Message-ID: <maya-2@example.com>
In-Reply-To: `+request.Header.Get("Message-ID")+`
Content-Type: text/plain; charset=utf-8

5 stars! The cruiser rides beautifully.
`, "\n", "\r\n")))
	eventually(t, "Maya's rating and the refused thank-you recorded", func() bool {
		var st statusOut
		cliJSON(t, &st, "status", "-json", "-config", d.cfg)
		var c customerOut
		cliJSON(t, &c, "customer", "-json", "-config", d.cfg, "maya@example.com")
		return st.Followups["failed"] == 1 && len(c.Feedback) == 1
	})
	if code := p.stop(); code != 0 {
		t.Fatalf("followupd run exited %d after its context ended, want 0", code)
	}
	return d
}

func (d *ownerDay) queue(t *testing.T) []queueEntry {
	t.Helper()
	var q []queueEntry
	cliJSON(t, &q, "queue", "-json", "-config", d.cfg)
	return q
}

func (d *ownerDay) customer(t *testing.T, email string) customerOut {
	t.Helper()
	var c customerOut
	cliJSON(t, &c, "customer", "-json", "-config", d.cfg, email)
	return c
}

// pendingFor returns the pending follow-up of customer with template.
func pendingFor(q []queueEntry, customer, template string) (queueEntry, bool) {
	for _, f := range q {
		if f.Customer == customer && f.Template == template {
			return f, true
		}
	}
	return queueEntry{}, false
}

func TestOwnerCommandsOnAStoreTheDaemonFilled(t *testing.T) {
	d := fillOwnerDay(t)
	cfgPath := d.cfg

	t.Run("status counts what happened", func(t *testing.T) {
		var st statusOut
		cliJSON(t, &st, "status", "-json", "-config", cfgPath)
		// Six customers; seven messages (the six first ones and Maya's rating).
		if st.Customers != 6 || st.Messages != 7 || st.OpenCases != 2 {
			t.Errorf("status = %+v, want 6 customers, 7 messages, 2 open cases", st)
		}
		// Pending: Dana's and Eli's check-ins and the two owner reminders.
		// Cancelled: the check-in of the address the server refused.
		for state, n := range map[string]int{"sent": 7, "failed": 1, "pending": 4, "cancelled": 1, "doubt": 0, "sending": 0} {
			if st.Followups[state] != n {
				t.Errorf("followups[%q] = %d, want %d (all: %v)", state, st.Followups[state], n, st.Followups)
			}
		}
		sync, err := time.Parse(time.RFC3339, st.IMAP.LastSync)
		if err != nil || time.Since(sync) > time.Hour || time.Since(sync) < -time.Minute {
			t.Errorf("imap.last_sync = %q, want the time of this run", st.IMAP.LastSync)
		}
	})

	t.Run("queue lists pending follow-ups with due time, sequence, step and customer", func(t *testing.T) {
		q := d.queue(t)
		f, ok := pendingFor(q, "dana@example.com", "check-in")
		if !ok {
			t.Fatalf("Dana's check-in is not in the queue: %+v", q)
		}
		due, err := time.Parse(time.RFC3339, f.Due)
		if err != nil || due.Before(time.Now().Add(71*time.Hour)) || due.After(time.Now().Add(73*time.Hour)) {
			t.Errorf("Dana's check-in is due %q, want in 3 days", f.Due)
		}
		if f.Sequence != "new-contact" || f.Step != 1 || f.Recipient != "customer" || f.To != f.Customer || f.State != "pending" || f.SendAt == "" {
			t.Errorf("Dana's check-in: %+v", f)
		}
		if r, ok := pendingFor(q, "lee@example.com", "owner-reminder"); !ok || r.Recipient != "owner" || r.To != "owner@example.test" || r.Sequence != "complaint" {
			t.Errorf("the owner reminder about Lee is not queued to the owner: %+v", r)
		}
		for _, f := range q {
			if f.Template == "thank-you" || f.Template == "apology" {
				t.Errorf("a sent follow-up is listed as pending: %+v", f)
			}
		}
	})

	t.Run("customer shows messages, follow-ups, cases and feedback", func(t *testing.T) {
		maya := d.customer(t, "maya@example.com")
		if maya.Name != "Maya Lind" || len(maya.Messages) != 2 || len(maya.Feedback) != 1 || maya.Feedback[0].Rating != 5 ||
			!strings.Contains(maya.Feedback[0].Text, "rides beautifully") {
			t.Errorf("Maya: %+v", maya)
		}
		lee := d.customer(t, "lee@example.com")
		if !lee.OpenCase || len(lee.Cases) != 1 || !lee.Cases[0].Open || lee.Cases[0].Subject != "Unexpected fee on my invoice" {
			t.Errorf("Lee's complaint case: %+v", lee.Cases)
		}
		if len(lee.Messages) != 1 || lee.Messages[0].Category != "complaint" {
			t.Errorf("Lee's messages: %+v", lee.Messages)
		}
		omar := d.customer(t, "omar@example.org")
		if len(omar.Messages) != 1 || omar.Messages[0].Kind != "forward" || !omar.OpenCase {
			t.Errorf("Omar, known from the owner's forward: %+v", omar)
		}
		out := cliOK(t, "customer", "-config", cfgPath, "lee@example.com")
		for _, want := range []string{"Lee Park <lee@example.com>", "OPEN", "apology"} {
			if !strings.Contains(out, want) {
				t.Errorf("customer (text) lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("digest names the open complaint and the new customers", func(t *testing.T) {
		out := cliOK(t, "digest", "-config", cfgPath)
		for _, want := range []string{"Subject:", "My repair", "Omar Haddad", "Dana Reyes", "Maya Lind"} {
			if !strings.Contains(out, want) {
				t.Errorf("digest lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "nothing to say today") {
			t.Errorf("digest says it has nothing to say:\n%s", out)
		}
	})

	t.Run("preview renders every variant for a sample or a real customer", func(t *testing.T) {
		sample := cliOK(t, "preview", "-config", cfgPath, "thank-you")
		n := strings.Count(sample, "=== thank-you, variant ")
		if n < 2 || strings.Count(sample, "\nSubject: ") != n {
			t.Errorf("preview printed %d variants and %d Subject lines:\n%s", n, strings.Count(sample, "\nSubject: "), sample)
		}
		dana := cliOK(t, "preview", "-config", cfgPath, "-to", "dana@example.com", "thank-you")
		if strings.Count(dana, "Hi Dana,") != n || !strings.Contains(dana, "Subject: Re: Do you service e-bikes?") {
			t.Errorf("preview -to dana@example.com does not use Dana's name and subject in all %d variants:\n%s", n, dana)
		}
		if _, errs, code := cli(t, "preview", "-config", cfgPath, "no-such-template"); code != 1 || errs == "" {
			t.Errorf("preview of a missing template: exit %d, stderr %q; want 1 and a reason", code, errs)
		}
	})

	t.Run("cancel cancels one pending follow-up", func(t *testing.T) {
		f, ok := pendingFor(d.queue(t), "eli@example.com", "check-in")
		if !ok {
			t.Fatal("Eli's check-in is not pending")
		}
		id := strconv.FormatInt(f.ID, 10)
		if out := cliOK(t, "cancel", "-config", cfgPath, id); !strings.Contains(out, "cancelled") {
			t.Errorf("cancel printed %q", out)
		}
		if _, ok := pendingFor(d.queue(t), "eli@example.com", "check-in"); ok {
			t.Error("Eli's check-in is still queued after cancel")
		}
		if _, errs, code := cli(t, "cancel", "-config", cfgPath, id); code != 1 || !strings.Contains(errs, "not pending") {
			t.Errorf("cancelling it again: exit %d, stderr %q; want 1, not pending", code, errs)
		}
	})

	t.Run("reclassify corrects a reading without repeating what was sent", func(t *testing.T) {
		out := cliOK(t, "reclassify", "-config", cfgPath, "eli@example.com", "complaint")
		if !strings.Contains(out, "read again as complaint (was inquiry)") {
			t.Errorf("reclassify printed %q", out)
		}
		eli := d.customer(t, "eli@example.com")
		if !eli.OpenCase || len(eli.Messages) != 1 || eli.Messages[0].Category != "complaint" {
			t.Errorf("Eli after reclassify: open case %v, messages %+v", eli.OpenCase, eli.Messages)
		}
		thanks, apology := 0, false
		for _, f := range eli.Followups {
			switch {
			case f.Template == "thank-you":
				thanks++
			case f.Template == "apology" && f.State == "pending":
				apology = true
			}
		}
		if thanks != 1 || !apology {
			t.Errorf("Eli's follow-ups after reclassify: %+v; want the one thank-you sent and an apology planned", eli.Followups)
		}
		if out := cliOK(t, "reclassify", "-config", cfgPath, "eli@example.com", "complaint"); !strings.Contains(out, "nothing changes") {
			t.Errorf("reclassifying again printed %q", out)
		}
		if _, errs, code := cli(t, "reclassify", "-config", cfgPath, "eli@example.com", "angry"); code != 2 || !strings.Contains(errs, "not a category") {
			t.Errorf("a made-up category: exit %d, stderr %q; want 2", code, errs)
		}
		if _, errs, code := cli(t, "reclassify", "-config", cfgPath, "nobody@example.com", "complaint"); code != 1 || !strings.Contains(errs, "no customer") {
			t.Errorf("an unknown customer: exit %d, stderr %q; want 1", code, errs)
		}
	})

	t.Run("customer -lang sets the language the owner chose", func(t *testing.T) {
		if c := d.customer(t, "maya@example.com"); c.Language != "en" || c.LangSet {
			t.Errorf("Maya's detected language: %q (set by owner %v), want en, detected", c.Language, c.LangSet)
		}
		var c customerOut
		cliJSON(t, &c, "customer", "-json", "-lang", "no", "-config", cfgPath, "maya@example.com")
		if c.Language != "nb" || !c.LangSet {
			t.Errorf("after -lang no: language %q, set by owner %v; want nb (Bokmål), set by the owner", c.Language, c.LangSet)
		}
		if out := cliOK(t, "customer", "-config", cfgPath, "maya@example.com"); !strings.Contains(out, "norsk bokmål (nb, set by the owner)") {
			t.Errorf("customer (text) does not show the language:\n%s", out)
		}
		if _, errs, code := cli(t, "customer", "-lang", "xyz", "-config", cfgPath, "maya@example.com"); code != 2 || !strings.Contains(errs, "not a language code") {
			t.Errorf("a bad -lang: exit %d, stderr %q; want 2", code, errs)
		}
	})

	t.Run("optout cancels everything pending for the address", func(t *testing.T) {
		out := cliOK(t, "optout", "-config", cfgPath, "Dana@Example.com")
		if !strings.Contains(out, "dana@example.com opted out; 1 pending follow-up(s) cancelled") {
			t.Errorf("optout printed %q", out)
		}
		for _, f := range d.queue(t) {
			if f.Customer == "dana@example.com" {
				t.Errorf("still queued for Dana after optout: %+v", f)
			}
		}
		if c := d.customer(t, "dana@example.com"); !c.OptedOut {
			t.Error("Dana is not shown as opted out")
		}
	})

	t.Run("resolve closes the open case and plans the resolved sequence", func(t *testing.T) {
		out := cliOK(t, "resolve", "-config", cfgPath, "lee@example.com")
		if !strings.Contains(out, `"Unexpected fee on my invoice") resolved; 1 follow-up(s) planned`) {
			t.Errorf("resolve printed %q", out)
		}
		lee := d.customer(t, "lee@example.com")
		if lee.OpenCase || len(lee.Cases) != 1 || lee.Cases[0].Open {
			t.Errorf("Lee's case is still open: %+v", lee.Cases)
		}
		if f, ok := pendingFor(d.queue(t), "lee@example.com", "satisfaction-check"); !ok || f.Sequence != "after-resolution" || f.Recipient != "customer" {
			t.Errorf("no satisfaction check queued for Lee: %+v", f)
		}
		if _, errs, code := cli(t, "resolve", "-config", cfgPath, "lee@example.com"); code != 1 || !strings.Contains(errs, "no open case") {
			t.Errorf("resolving again: exit %d, stderr %q; want 1, no open case", code, errs)
		}
		if omar := d.customer(t, "omar@example.org"); !omar.OpenCase {
			t.Error("resolving Lee's case closed Omar's too")
		}
	})

	t.Run("retry queues a failed follow-up again", func(t *testing.T) {
		gone := d.customer(t, "gone@example.net")
		var failed int64
		for _, f := range gone.Followups {
			if f.State == "failed" && f.Template == "thank-you" {
				failed = f.ID
				if !strings.Contains(f.Note, "550") {
					t.Errorf("the failed follow-up does not show the server's reply: %+v", f)
				}
			}
		}
		if failed == 0 {
			t.Fatalf("no failed thank-you for gone@example.net: %+v", gone.Followups)
		}
		id := strconv.FormatInt(failed, 10)
		out := cliOK(t, "retry", "-config", cfgPath, id)
		if !strings.Contains(out, "queued to be sent again") || !strings.Contains(out, "the retry takes that back") {
			t.Errorf("retry printed %q, want it queued and the bouncing mark taken back", out)
		}
		f, ok := pendingFor(d.queue(t), "gone@example.net", "thank-you")
		if !ok || f.ID != failed {
			t.Fatalf("the retried follow-up is not queued: %+v", d.queue(t))
		}
	})

	t.Run("a retried follow-up is sent by the next run", func(t *testing.T) {
		// The address works again (a new SMTP server without the 550):
		// the next run sends the retried thank-you once, beside what the
		// reclassification above planned for Eli (an apology and the
		// owner's alert), in whatever order.
		smtp, err := testserver.StartSMTP()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { smtp.Close() })
		d.env.smtp = smtp
		d.env.writeConfig(d.opts)
		p := runInProcess(t, map[string]string{"FOLLOWUPD_TEST_IMAP_PASSWORD": d.env.pass}, "-config", cfgPath)
		d.env.waitSent(3)
		if code := p.stop(); code != 0 {
			t.Errorf("followupd run exited %d, want 0", code)
		}
		// Counted once the run has stopped: a duplicate sent late counts.
		if gone := d.env.sentTo("gone@example.net"); len(gone) != 1 {
			t.Errorf("after retry gone@example.net got %d messages:\n%s", len(gone), summary(smtp.Messages()))
		}
		if eli := d.env.sentTo("eli@example.com"); len(eli) != 1 {
			t.Errorf("after retry Eli got %d messages:\n%s", len(eli), summary(smtp.Messages()))
		}
		if c := d.customer(t, "gone@example.net"); c.Followups[0].State != "sent" {
			t.Errorf("the retried follow-up is %q, want sent: %+v", c.Followups[0].State, c.Followups)
		}
	})

	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"customer without an address", []string{"customer"}, 2},
		{"customer unknown", []string{"customer", "nobody@example.com"}, 1},
		{"resolve without an argument", []string{"resolve"}, 2},
		{"resolve two arguments", []string{"resolve", "lee@example.com", "dana@example.com"}, 2},
		{"resolve unknown customer", []string{"resolve", "nobody@example.com"}, 1},
		{"optout without an address", []string{"optout"}, 2},
		{"optout of something that is not an address", []string{"optout", "dana"}, 1},
		{"cancel without an id", []string{"cancel"}, 2},
		{"cancel a non-numeric id", []string{"cancel", "abc"}, 2},
		{"cancel an unknown id", []string{"cancel", "99999"}, 1},
		{"retry a non-numeric id", []string{"retry", "dana@example.com"}, 2},
		{"retry an unknown id", []string{"retry", "99999"}, 1},
		{"preview without a template", []string{"preview"}, 2},
		{"queue with a stray flag", []string{"queue", "-bogus"}, 2},
	} {
		t.Run("wrong arguments/"+tt.name, func(t *testing.T) {
			args := append([]string{tt.args[0], "-config", cfgPath}, tt.args[1:]...)
			out, errs, code := cli(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
			if errs == "" {
				t.Error("nothing said on stderr")
			}
		})
	}
}

func TestOwnerCommandsWithoutADatabaseExitOne(t *testing.T) {
	e := &mailEnv{t: t, dir: t.TempDir()}
	path := e.writeFile("followupd.toml", offlineConfig("address = \"127.0.0.1:1\"\nsecurity = \"none\"", ""))
	for _, args := range [][]string{
		{"status"}, {"queue"}, {"customer", "a@example.com"}, {"resolve", "a@example.com"},
		{"optout", "a@example.com"}, {"cancel", "1"}, {"retry", "1"}, {"digest"},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, errs, code := cli(t, append([]string{args[0], "-config", path}, args[1:]...)...)
			if code != 1 || !strings.Contains(errs, "no database at") {
				t.Errorf("exit %d, stderr %q; want 1 and \"no database at\"", code, errs)
			}
		})
	}
}
