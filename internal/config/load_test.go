package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// valid is a minimal config that loads; tests change lines of it.
const valid = `[business]
owner_email = "owner@example.test"
[imap]
address = "imap.example.test:993"
username = "shop@example.test"
password = "hunter2"
[smtp]
address = "smtp.example.test:587"
from = "Pam <shop@example.test>"
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [{ template = "thank-you" }]
`

// problemStrings returns err's problems as strings, failing the test if
// err is not an *Error.
func problemStrings(t *testing.T, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	var got []string
	for _, p := range e.Problems {
		got = append(got, p.String())
	}
	return got
}

func TestMinimalConfigLoadsWithDefaults(t *testing.T) {
	cfg, err := Parse("f.toml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	seq := cfg.Sequences[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"imap.security", cfg.IMAP.Security, "tls"},
		{"imap.mailbox", cfg.IMAP.Mailbox, "INBOX"},
		{"imap.poll_interval", cfg.IMAP.PollInterval.Duration, 60 * time.Second},
		{"imap.idle_refresh", cfg.IMAP.IdleRefresh.Duration, 4 * time.Minute},
		{"imap.timeout", cfg.IMAP.Timeout.Duration, 30 * time.Second},
		{"imap.max_message_size", cfg.IMAP.MaxMessageSize, int64(26214400)},
		{"imap secret", cfg.IMAP.Secret, "hunter2"},
		{"smtp.security", cfg.SMTP.Security, "starttls"},
		{"smtp.timeout", cfg.SMTP.Timeout.Duration, 30 * time.Second},
		{"smtp.connections", cfg.SMTP.Connections, 3},
		{"smtp secret", cfg.SMTP.Secret, ""},
		{"smtp.helo set", cfg.SMTP.Helo != "", true},
		{"business.timezone", cfg.Business.Timezone, "UTC"},
		{"location", cfg.Business.Location, time.UTC},
		{"send windows", len(cfg.Business.SendWindows), 0},
		{"store.path", cfg.Store.Path, "followupd.db"},
		{"templates.dir", cfg.Templates.Dir, ""},
		{"step to", seq.Steps[0].To, core.ToCustomer},
		{"step after", seq.Steps[0].After.Duration, time.Duration(0)},
		{"stop on reply", seq.StopsOnReply(), true},
		{"file", cfg.File, "f.toml"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.what, c.got, c.want)
		}
	}
}

func TestProblemsNameFileLineAndKey(t *testing.T) {
	tests := []struct {
		name string
		old  string // a line of valid, replaced by new
		new  string
		want []string
	}{
		{
			name: "UnknownKeyInTable",
			old:  `username = "shop@example.test"`,
			new:  "username = \"shop@example.test\"\nmailbx = \"INBOX\"",
			want: []string{`f.toml:6: imap.mailbx: unknown key (did you mean "mailbox"?)`},
		},
		{
			name: "UnknownTopLevelTable",
			old:  `[[sequence]]`,
			new:  "[imapp]\nx = 1\n[[sequence]]",
			want: []string{`f.toml:10: imapp: unknown key (did you mean "imap"?)`},
		},
		{
			name: "UnknownKeyInInlineTableStep",
			old:  `steps = [{ template = "thank-you" }]`,
			new:  "steps = [\n  { after = \"0s\", template = \"a\" },\n  { after = \"3d\", tempalte = \"b\" },\n]",
			want: []string{
				`f.toml:15: sequence[0].steps[1].tempalte: unknown key (did you mean "template"?)`,
				`f.toml:15: sequence[0].steps[1].template: is required`,
			},
		},
		{
			name: "WrongTypeInteger",
			old:  `from = "Pam <shop@example.test>"`,
			new:  "from = \"Pam <shop@example.test>\"\ntimeout = 30",
			want: []string{`f.toml:10: smtp.timeout: expected a duration such as "3d" or "2h", got integer 30`},
		},
		{
			name: "TooManyConnections",
			old:  `from = "Pam <shop@example.test>"`,
			new:  "from = \"Pam <shop@example.test>\"\nconnections = 40",
			want: []string{`f.toml:10: smtp.connections: must be from 1 to 16`},
		},
		{
			name: "WrongTypeBool",
			old:  `password = "hunter2"`,
			new:  "password = \"hunter2\"\ninsecure_skip_verify = \"yes\"",
			want: []string{`f.toml:7: imap.insecure_skip_verify: expected true or false, got string "yes"`},
		},
		{
			name: "WrongTypeOfPasswordDoesNotShowIt",
			old:  `password = "hunter2"`,
			new:  `password = 31337`,
			want: []string{
				`f.toml:3: imap: one of password, password_env or password_file is required`,
				`f.toml:6: imap.password: expected a string, got integer`,
			},
		},
		{
			name: "BadDurationInSecondArrayTable",
			old:  `steps = [{ template = "thank-you" }]`,
			new:  "steps = [{ template = \"thank-you\" }]\n\n[[sequence]]\nname = \"later\"\non = \"purchase\"\n[[sequence.steps]]\ntemplate = \"check-in\"\n[[sequence.steps]]\nafter = \"3 days\"\ntemplate = \"review\"",
			want: []string{`f.toml:21: sequence[1].steps[1].after: "3 days" is not a duration (try "3d")`},
		},
		{
			name: "MissingRequiredPointsAtItsTable",
			old:  `username = "shop@example.test"`,
			new:  ``,
			want: []string{`f.toml:3: imap.username: is required`},
		},
		{
			name: "MissingRequiredInArrayTablePointsAtItsHeader",
			old:  `name = "new-contact"`,
			new:  ``,
			want: []string{`f.toml:10: sequence[0].name: is required`},
		},
		{
			name: "TwoSecretSources",
			old:  `password = "hunter2"`,
			new:  "password = \"hunter2\"\npassword_file = \"imap.pass\"",
			want: []string{`f.toml:7: imap.password_file: set only one of password, password_file`},
		},
		{
			name: "UnsetPasswordEnv",
			old:  `password = "hunter2"`,
			new:  `password_env = "FOLLOWUPD_TEST_UNSET_VARIABLE"`,
			want: []string{`f.toml:6: imap.password_env: environment variable FOLLOWUPD_TEST_UNSET_VARIABLE is not set or is empty`},
		},
		{
			name: "SMTPUsernameWithoutPassword",
			old:  `from = "Pam <shop@example.test>"`,
			new:  "from = \"Pam <shop@example.test>\"\nusername = \"shop\"",
			want: []string{`f.toml:7: smtp: one of password, password_env or password_file is required`},
		},
		{
			name: "SMTPPasswordWithoutUsername",
			old:  `from = "Pam <shop@example.test>"`,
			new:  "from = \"Pam <shop@example.test>\"\npassword = \"x\"",
			want: []string{`f.toml:7: smtp.username: is required when a password is set (empty username means no AUTH)`},
		},
		{
			name: "AddressWithoutPort",
			old:  `address = "imap.example.test:993"`,
			new:  `address = "imap.example.test"`,
			want: []string{`f.toml:4: imap.address: "imap.example.test" is not host:port (try "imap.example.test:993")`},
		},
		{
			name: "UnknownEventWhenAndRecipient",
			old:  "on = \"inquiry\"\nsteps = [{ template = \"thank-you\" }]",
			new:  "on = \"enquiry\"\nsteps = [{ template = \"thank-you\", to = \"boss\", when = [\"vip\", \"rich\"] }]",
			want: []string{
				`f.toml:12: sequence[0].on: "enquiry" is not one of inquiry, purchase, complaint, feedback, other, resolved, quiet`,
				`f.toml:13: sequence[0].steps[0].to: "boss" is not one of customer, owner`,
				`f.toml:13: sequence[0].steps[0].when[1]: "rich" is not one of first-time, repeat, vip, no-reply, owner-silent, case-open, case-resolved`,
			},
		},
		{
			name: "DuplicateSequenceName",
			old:  `steps = [{ template = "thank-you" }]`,
			new:  "steps = [{ template = \"thank-you\" }]\n[[sequence]]\nname = \"new-contact\"\non = \"quiet\"\nquiet_after = \"8w\"\nsteps = [{ template = \"miss-you\", after = \"-1h\" }]",
			want: []string{
				`f.toml:15: sequence[1].name: "new-contact" is already the name of sequence[0]`,
				`f.toml:18: sequence[1].steps[0].after: must not be negative, got -1h`,
			},
		},
		{
			name: "QuietWithoutQuietAfter",
			old:  `on = "inquiry"`,
			new:  `on = "quiet"`,
			want: []string{`f.toml:10: sequence[0].quiet_after: is required when on = "quiet" (e.g. "8w")`},
		},
		{
			name: "DuplicateKeyIsASyntaxError",
			old:  `on = "inquiry"`,
			new:  "on = \"inquiry\"\non = \"purchase\"",
			want: []string{`f.toml:13: sequence.on: Key 'sequence.on' has already been defined.`},
		},
		{
			name: "SyntaxError",
			old:  `from = "Pam <shop@example.test>"`,
			new:  `from = "Pam <shop@example.test>`,
			want: []string{`f.toml:9: smtp.from: strings cannot contain newlines`},
		},
		{
			// The parser quotes what it found: never a secret.
			name: "PasswordWithoutQuotes",
			old:  `password = "hunter2"`,
			new:  `password = hunter2`,
			want: []string{`f.toml:6: imap.password: expected value but found (value not shown: it may be a secret) instead; a string needs quotes: password = "..."`},
		},
		{
			name: "PasswordWithOneQuote",
			old:  `password = "hunter2"`,
			new:  `password = "hunter2`,
			want: []string{`f.toml:6: imap.password: strings cannot contain newlines (the value is not shown: it may be a secret); a string needs quotes: password = "..."`},
		},
		{
			name: "PlaintextPasswordToARemoteHost",
			old:  `username = "shop@example.test"`,
			new:  "username = \"shop@example.test\"\nsecurity = \"none\"",
			want: []string{`f.toml:6: imap.security: "none" would send the password in clear to imap.example.test: use "tls" or "starttls", or set allow_plaintext = true`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.old) {
				t.Fatalf("valid has no line %q", tt.old)
			}
			src := strings.Replace(valid, tt.old, tt.new, 1)
			cfg, err := Parse("f.toml", []byte(src))
			if cfg != nil {
				t.Errorf("Parse returned a config along with %v", err)
			}
			got := problemStrings(t, err)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s\nsource:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"), src)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "31337") {
				t.Errorf("a password leaked into the error:\n%v", err)
			}
		})
	}
}

func TestEveryProblemInAFileIsReported(t *testing.T) {
	src := `[business]
owner_email = "not an address"
timezone = "Mars/Olympus"
send_hours = "weekdays 9-5"
colour = "red"
[imap]
address = "imap.example.test:99999"
security = "ssl"
username = "shop"
password = "hunter2"
password_env = "ALSO"
poll_interval = "a minute"
[smtp]
from = 42
[store]
path = ""
[[sequence]]
name = "a"
on = "inquiry"
steps = []
`
	_, err := Parse("many.toml", []byte(src))
	want := []string{
		`many.toml:2: business.owner_email: "not an address" is not an email address such as "owner@example.com"`,
		`many.toml:3: business.timezone: unknown time zone "Mars/Olympus" (use an IANA name such as "Europe/Paris")`,
		`many.toml:4: business.send_hours: "weekdays 9-5": unknown day "weekdays" (want e.g. "Mon-Fri 09:00-17:00; Sat 10:00-14:00")`,
		`many.toml:5: business.colour: unknown key`,
		`many.toml:7: imap.address: "imap.example.test:99999" is not host:port with a port from 1 to 65535`,
		`many.toml:8: imap.security: "ssl" is not one of none, starttls, tls`,
		`many.toml:11: imap.password_env: set only one of password, password_env`,
		`many.toml:12: imap.poll_interval: "a minute" is not a duration (use e.g. "90s", "2h", "3d" or "2w")`,
		`many.toml:13: smtp.address: is required (host:port)`,
		`many.toml:14: smtp.from: expected a string, got integer 42`,
		`many.toml:14: smtp.from: is required`,
		`many.toml:16: store.path: is required`,
		`many.toml:20: sequence[0].steps: at least one step is required`,
	}
	got := problemStrings(t, err)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the password leaked into the error:\n%v", err)
	}
}

func TestLoadOfAMissingFileIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	_, err := Load(path)
	got := problemStrings(t, err)
	if want := path + ": cannot read: no such file or directory"; len(got) != 1 || got[0] != want {
		t.Errorf("problems = %q; want %q", got, want)
	}
}

func TestOfflineCommandsNeedNoSecrets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "followupd.toml")
	os.WriteFile(path, []byte(`[business]
owner_email = "owner@example.test"
[imap]
address = "127.0.0.1:1143"
username = "shop@example.test"
password_env = "FOLLOWUPD_TEST_UNSET_VARIABLE"
[smtp]
address = "127.0.0.1:2525"
username = "shop@example.test"
password_file = "missing-file"
from = "shop@example.test"
`), 0o600)
	if _, err := Load(path); err == nil {
		t.Fatal("Load accepted unresolvable passwords")
	}
	cfg, err := LoadWithoutSecrets(path)
	if err != nil {
		t.Fatalf("LoadWithoutSecrets: %v", err)
	}
	if cfg.IMAP.Secret != "" || cfg.SMTP.Secret != "" {
		t.Error("LoadWithoutSecrets resolved a secret")
	}
	os.WriteFile(path, []byte("[business]\nowner_email = \"x\"\n"), 0o600)
	if _, err := LoadWithoutSecrets(path); err == nil {
		t.Error("LoadWithoutSecrets skipped the rest of the validation")
	}
}
