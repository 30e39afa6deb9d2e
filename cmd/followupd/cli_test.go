package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no arguments print usage", nil, 2, "usage: followupd COMMAND"},
		{"unknown command is named", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"help is not an error", []string{"help"}, 0, "usage: followupd COMMAND"},
		{"unknown flag", []string{"check", "-nope"}, 2, "flag provided but not defined: -nope"},
		{"inspect without files", []string{"inspect"}, 2, "usage: followupd inspect"},
		{"plan without files", []string{"plan"}, 2, "usage: followupd plan"},
		{"bad log format", []string{"run", "-log-format", "xml"}, 2, `-log-format "xml"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := cli(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if !strings.Contains(errs, tt.stderr) {
				t.Errorf("stderr does not say %q:\n%s", tt.stderr, errs)
			}
			if out != "" {
				t.Errorf("a usage error printed on stdout:\n%s", out)
			}
		})
	}
}

func TestVersionPrintsNameAndVersion(t *testing.T) {
	out := cliOK(t, "version")
	if out != "followupd "+version+"\n" {
		t.Errorf("version printed %q", out)
	}
}

func TestCheckAcceptsTheExampleConfig(t *testing.T) {
	t.Setenv("FOLLOWUPD_IMAP_PASSWORD", "example-secret")
	out := cliOK(t, "check", "-config", filepath.Join("..", "..", "config.example.toml"))
	if !strings.Contains(out, ": ok (") {
		t.Errorf("check did not say ok:\n%s", out)
	}
	if strings.Contains(out, "example-secret") {
		t.Errorf("check printed the password:\n%s", out)
	}
}

// brokenConfig has an unknown key, a bad duration and no smtp.from; the
// line numbers are those the messages must name.
const brokenConfig = `[business]
owner_email = "owner@example.test"
colour = "blue"

[imap]
address = "127.0.0.1:1"
security = "none"
username = "shop@example.test"
password = "hunter2-very-secret"

[smtp]
address = "127.0.0.1:2"
security = "none"

[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [
  { after = "3 days", template = "thank-you" },
]
`

func TestCheckReportsEveryConfigProblemWithFileLineAndKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "followupd.toml")
	if err := os.WriteFile(path, []byte(brokenConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cli(t, "check", "-config", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{
		path + ":3: business.colour: unknown key",
		path + ":11: smtp.from: is required",
		path + `:19: sequence[0].steps[0].after: "3 days" is not a duration`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(out+errs, "hunter2") {
		t.Errorf("check printed the password:\n%s%s", out, errs)
	}
}

func TestCheckRejectsBadTemplatesNamingTheFile(t *testing.T) {
	for _, tt := range []struct {
		name     string
		template string // thank-you.txt in the templates dir; "" = none
		steps    string
		want     []string // in stderr; FILE is replaced by the template's path
	}{
		{
			name:     "unknown field names file, line and field",
			template: "Subject: Thanks\n\nHi {{.Customer.FirstName}},\nHello {{.Customer.Nickname}}\n",
			steps:    `{ after = "0s", template = "thank-you" }`,
			want:     []string{"FILE:4:", "Nickname"},
		},
		{
			name:     "syntax error names file and line",
			template: "Subject: Thanks\n\nHi {{.Customer.Name}\n",
			steps:    `{ after = "0s", template = "thank-you" }`,
			want:     []string{"FILE:3"},
		},
		{
			name:  "sequence naming a missing template names the file, line and key",
			steps: `{ after = "0s", template = "thank-you" }, { after = "1d", template = "no-such-template" }`,
			want:  []string{"followupd.toml:17: sequence[0].steps[1].template", `no template "no-such-template"`},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &mailEnv{t: t, dir: t.TempDir()}
			file := filepath.Join(e.dir, "templates", "thank-you.txt")
			if tt.template != "" {
				e.writeFile("templates/thank-you.txt", tt.template)
			} else {
				os.Mkdir(filepath.Join(e.dir, "templates"), 0o755)
			}
			path := e.writeFile("followupd.toml", `[business]
owner_email = "owner@example.test"
[imap]
address = "127.0.0.1:1"
security = "none"
username = "shop@example.test"
password = "x"
[smtp]
address = "127.0.0.1:2"
security = "none"
from = "Pam <shop@example.test>"
[templates]
dir = "templates"
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [ `+tt.steps+` ]
`)
			out, errs, code := cli(t, "check", "-config", path)
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "FILE", file)
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

// TestCheckWarnsWhenATemplateNamedLikeAFeedbackRequestDoesNotSayWhatItAsks:
// an owner template from before `asks` existed keeps working by its name,
// and check says how to make it explicit; one that says asks: rating, or a
// step that does, gets no warning.
func TestCheckWarnsWhenATemplateNamedLikeAFeedbackRequestDoesNotSayWhatItAsks(t *testing.T) {
	for _, tt := range []struct {
		name, template, step string
		warn                 bool
	}{
		{"named like one, saying nothing", "Subject: How was it?\n\nRate us 1-5.\n", `{ after = "5d", template = "review-please" }`, true},
		{"its front matter says asks: rating", "---\nsubject: How was it?\nasks: rating\n---\nRate us 1-5.\n", `{ after = "5d", template = "review-please" }`, false},
		{"the step says asks = rating", "Subject: How was it?\n\nRate us 1-5.\n", `{ after = "5d", template = "review-please", asks = "rating" }`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &mailEnv{t: t, dir: t.TempDir()}
			e.writeFile("templates/review-please.txt", tt.template)
			path := e.writeFile("followupd.toml", `[business]
owner_email = "owner@example.test"
[imap]
address = "127.0.0.1:1"
security = "none"
username = "shop@example.test"
password = "x"
[smtp]
address = "127.0.0.1:2"
security = "none"
from = "Pam <shop@example.test>"
[templates]
dir = "templates"
[[sequence]]
name = "after-purchase"
on = "purchase"
steps = [ `+tt.step+` ]
`)
			out, errs, code := cli(t, "check", "-config", path)
			if code != 0 || !strings.Contains(out, "ok") {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			warned := strings.Contains(errs, "warning:") && strings.Contains(errs, "followupd.toml:17: sequence[0].steps[0].template") &&
				strings.Contains(errs, "asks: rating")
			if warned != tt.warn {
				t.Errorf("warned %v, want %v; stderr:\n%s", warned, tt.warn, errs)
			}
		})
	}
}

// inspectKeys are the documented keys of an `inspect` line.
var inspectKeys = []string{"file", "customer", "subject", "category", "language", "evidence", "unsure", "tags", "forwarded", "skip", "bounce", "error"}

type inspection struct {
	File     string `json:"file"`
	Customer struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"customer"`
	Subject  string `json:"subject"`
	Category string `json:"category"`
	Language string `json:"language"`
	Unsure   bool   `json:"unsure"`
	Evidence []struct {
		Signal string  `json:"signal"`
		Phrase string  `json:"phrase"`
		Weight float64 `json:"weight"`
		Note   string  `json:"note"`
	} `json:"evidence"`
	Tags      []string `json:"tags"`
	Forwarded bool     `json:"forwarded"`
	Skip      string   `json:"skip"`
	Bounce    struct {
		Recipient string `json:"recipient"`
		Permanent bool   `json:"permanent"`
	} `json:"bounce"`
	Error string `json:"error"`
	Owner *struct {
		Verified bool     `json:"verified"`
		By       string   `json:"by"`
		Why      string   `json:"why"`
		IDs      []string `json:"authserv_ids"`
	} `json:"owner"`
}

// inspectLines parses inspect's output: one JSON object per line, each
// with at least the documented keys.
func inspectLines(t *testing.T, out string) []inspection {
	t.Helper()
	var res []inspection
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("inspect line is not a JSON object: %v\n%s", err, line)
		}
		for _, k := range inspectKeys {
			if _, ok := raw[k]; !ok {
				t.Errorf("inspect line lacks key %q: %s", k, line)
			}
		}
		var cust, bounce map[string]json.RawMessage
		json.Unmarshal(raw["customer"], &cust)
		json.Unmarshal(raw["bounce"], &bounce)
		if _, ok := cust["email"]; !ok || cust["name"] == nil {
			t.Errorf("inspect customer lacks email or name: %s", line)
		}
		if bounce["recipient"] == nil || bounce["permanent"] == nil {
			t.Errorf("inspect bounce lacks recipient or permanent: %s", line)
		}
		var in inspection
		if err := json.Unmarshal([]byte(line), &in); err != nil {
			t.Fatalf("inspect line has a key of the wrong type: %v\n%s", err, line)
		}
		res = append(res, in)
	}
	return res
}

func TestInspectPrintsOneJSONLinePerFileWithOrWithoutConfig(t *testing.T) {
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{
		filepath.Join(td, "customer.eml"),
		filepath.Join(td, "forward_complaint.eml"),
		filepath.Join(td, "bounce.eml"),
		filepath.Join(td, "out_of_office.eml"),
		filepath.Join(td, "no-such-file.eml"),
		filepath.Join(td, "forward_by_stranger.eml"),
		filepath.Join(td, "german_complaint.eml"),
	}
	withConfig := &mailEnv{t: t, dir: t.TempDir()}
	cfgPath := withConfig.writeFile("followupd.toml", offlineConfig(`address = "127.0.0.1:1"
security = "none"`, "[trust]\nauthserv_ids = [\"mx.example.test\"]\n"))

	for _, mode := range []struct {
		name string
		args []string
		// A forward by someone who is not the owner counts as a forward
		// only when no config says who the owner is.
		strangerForwards bool
	}{
		{"with -config", []string{"-config", cfgPath}, false},
		{"without any config", nil, true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			// No followupd.toml in the working directory, none in the environment.
			t.Chdir(t.TempDir())
			t.Setenv("FOLLOWUPD_CONFIG", "")
			args := append(append([]string{"inspect"}, mode.args...), files...)
			out, errs, code := cli(t, args...)
			if code != 0 {
				t.Fatalf("exit %d, want 0 (a bad file is reported in its line)\nstderr:\n%s", code, errs)
			}
			got := inspectLines(t, out)
			if len(got) != len(files) {
				t.Fatalf("%d lines for %d files:\n%s", len(got), len(files), out)
			}
			for i, in := range got {
				if in.File != files[i] {
					t.Errorf("line %d is for %q, want %q (the order of the arguments)", i, in.File, files[i])
				}
			}
			customer, fwd, bounce, ooo, missing, stranger, german := got[0], got[1], got[2], got[3], got[4], got[5], got[6]
			if german.Language != "de" || german.Category != "complaint" || german.Unsure {
				t.Errorf("German complaint: language %q, category %q, unsure %v", german.Language, german.Category, german.Unsure)
			}
			problems := 0
			for _, e := range german.Evidence {
				if e.Signal == "problem" && e.Weight > 0 && e.Phrase != "" {
					problems++
				}
			}
			if problems == 0 {
				t.Errorf("the German complaint's evidence names no problem phrase: %+v", german.Evidence)
			}
			if customer.Language != "en" || len(customer.Evidence) == 0 {
				t.Errorf("plain customer mail: language %q, evidence %+v", customer.Language, customer.Evidence)
			}

			if customer.Customer.Email != "dana@example.com" || customer.Customer.Name != "Dana Reyes" ||
				customer.Category != "inquiry" || customer.Forwarded || customer.Skip != "" || customer.Error != "" ||
				customer.Subject != "Do you service e-bikes?" {
				t.Errorf("plain customer mail: %+v", customer)
			}
			if fwd.Customer.Email != "omar@example.org" || fwd.Customer.Name != "Omar Haddad" || !fwd.Forwarded ||
				fwd.Category != "complaint" || !reflect.DeepEqual(fwd.Tags, []string{"complaint"}) || fwd.Subject != "My repair" {
				t.Errorf("owner forward with #complaint: %+v", fwd)
			}
			// The owner's forward carries the stamp of the shop's server: with
			// the config it is verified by it; without, nothing is checked,
			// and both say which ids the mail carries.
			wantBy := map[bool]string{false: "Authentication-Results from mx.example.test: dmarc=pass", true: "nothing to verify the owner against"}[mode.strangerForwards]
			if fwd.Owner == nil || !fwd.Owner.Verified || !strings.Contains(fwd.Owner.By, wantBy) || !reflect.DeepEqual(fwd.Owner.IDs, []string{"mx.example.test"}) {
				t.Errorf("owner forward: owner %+v, want verified by %q with ids [mx.example.test]", fwd.Owner, wantBy)
			}
			if customer.Owner != nil {
				t.Errorf("a customer's mail has owner %+v", customer.Owner)
			}
			if bounce.Skip == "" || bounce.Bounce.Recipient != "gone@example.net" || !bounce.Bounce.Permanent {
				t.Errorf("bounce DSN: %+v", bounce)
			}
			if ooo.Skip == "" || ooo.Category != "" || ooo.Error != "" {
				t.Errorf("out-of-office reply should be skipped: %+v", ooo)
			}
			if !strings.Contains(missing.Error, "no such file") || missing.Customer.Email != "" {
				t.Errorf("a missing file should be reported in its line: %+v", missing)
			}
			if stranger.Forwarded != mode.strangerForwards {
				t.Errorf("forward by a stranger: forwarded = %v, want %v: %+v", stranger.Forwarded, mode.strangerForwards, stranger)
			}
		})
	}
}

type planOut struct {
	inspection
	Sends []struct {
		Sequence string   `json:"sequence"`
		Step     int      `json:"step"`
		Template string   `json:"template"`
		To       string   `json:"to"`
		Due      string   `json:"due"`
		SendAt   string   `json:"send_at"`
		When     []string `json:"when"`
	} `json:"sends"`
}

// complaintSequences are the sequences of a business that handles
// complaints: an apology and an owner alert at once, a reminder to the
// owner if they stay silent, a satisfaction check after resolution.
const complaintSequences = newContactSequence + `
[[sequence]]
name = "complaint"
on = "complaint"
steps = [
  { after = "0s", template = "apology" },
  { after = "0s", template = "owner-alert", to = "owner" },
  { after = "20h", template = "owner-reminder", to = "owner", when = ["owner-silent", "case-open"] },
]

[[sequence]]
name = "after-resolution"
on = "resolved"
steps = [ { after = "1h", template = "satisfaction-check" } ]
`

func TestPlanSaysWhatAComplaintWouldSendTouchingNothing(t *testing.T) {
	e := &mailEnv{t: t, dir: t.TempDir()}
	imapAddr, smtpAddr := closedAddr(t), closedAddr(t)
	cfgPath := e.writeFile("followupd.toml", `[business]
name = "Acme Bikes"
owner_email = "owner@example.test"
timezone = "America/Chicago"
[imap]
address = "`+imapAddr+`"
security = "none"
username = "shop@example.test"
password = "x"
[smtp]
address = "`+smtpAddr+`"
security = "none"
from = "Pam <shop@example.test>"
[store]
path = "followupd.db"
`+complaintSequences)
	complaint, err := filepath.Abs(filepath.Join("testdata", "complaint.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var p planOut
	cliJSON(t, &p, "plan", "-json", "-config", cfgPath, complaint)

	if p.Category != "complaint" || p.Customer.Email != "lee@example.com" {
		t.Fatalf("plan read the complaint as %+v", p.inspection)
	}
	type send struct{ seq, tmpl, to string }
	var got []send
	for _, s := range p.Sends {
		got = append(got, send{s.Sequence, s.Template, s.To})
		if s.Due == "" || s.SendAt == "" {
			t.Errorf("send %+v does not say when", s)
		}
	}
	want := []send{
		{"complaint", "apology", "lee@example.com"},
		{"complaint", "owner-alert", "owner@example.test"},
		{"complaint", "owner-reminder", "owner@example.test"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plan sends:\n got %+v\nwant %+v", got, want)
	}
	if len(p.Sends) == 3 {
		now, _ := time.Parse(time.RFC3339, p.Sends[0].Due)
		if d := time.Since(now); d < -time.Minute || d > time.Minute {
			t.Errorf("the apology is due at %s, want now", p.Sends[0].Due)
		}
		r := p.Sends[2]
		due, _ := time.Parse(time.RFC3339, r.Due)
		if due.Sub(now) != 20*time.Hour || !reflect.DeepEqual(sorted(r.When), []string{"case-open", "owner-silent"}) {
			t.Errorf("the reminder should be 20h later and conditional: %+v", r)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "followupd.db")); !os.IsNotExist(err) {
		t.Errorf("plan created the database (stat: %v)", err)
	}
	entries, _ := os.ReadDir(e.dir)
	if len(entries) != 1 {
		t.Errorf("plan left files next to the config: %v", entries)
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// TestCheckSaysWhenOwnerMailIsWeaklyVerified: believing the From header is
// warned about loudly, and a config that names no authserv_ids is told how
// to find them; a config that names them, or a provider whose ids are
// known, is not warned about.
func TestCheckSaysWhenOwnerMailIsWeaklyVerified(t *testing.T) {
	for _, tt := range []struct {
		name, imap, trust, warn string
	}{
		{"from-header", "127.0.0.1:1", "[trust]\nowner = \"from-header\"\nauthserv_ids = [\"mx.example.test\"]\n", "OWNER MAIL IS NOT VERIFIED"},
		{"no ids", "127.0.0.1:1", "", "no authserv_ids"},
		{"ids named", "127.0.0.1:1", "[trust]\nauthserv_ids = [\"mx.example.test\"]\n", ""},
		{"Gmail's known", "imap.gmail.com:993", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &mailEnv{t: t, dir: t.TempDir()}
			path := e.writeFile("followupd.toml", offlineConfig(`address = "`+tt.imap+`"
security = "tls"`, tt.trust))
			out, errs, code := cli(t, "check", "-config", path)
			if code != 0 || !strings.Contains(out, "ok") {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			trustWarned := strings.Contains(errs, "trust.")
			if tt.warn == "" && trustWarned || tt.warn != "" && !strings.Contains(errs, tt.warn) {
				t.Errorf("stderr:\n%s\nwant a warning with %q", errs, tt.warn)
			}
		})
	}
}

// offlineConfig is a config for the commands that connect to no server:
// imap holds the [imap] address and security lines, extra goes before
// the new-contact sequence.
func offlineConfig(imap, extra string) string {
	return `[business]
owner_email = "owner@example.test"
[imap]
` + imap + `
username = "shop@example.test"
password = "x"
[smtp]
address = "127.0.0.1:2"
security = "none"
from = "Pam <shop@example.test>"
` + extra + newContactSequence
}
