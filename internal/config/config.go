// Package config defines followupd's TOML configuration: its schema, its
// defaults, its validation and the resolution of secrets.
//
// The contract: [Load] and [Parse] either return a *Config that is complete
// (defaults applied, relative paths resolved against the config file's
// directory, time zone loaded, passwords resolved into Secret fields) and
// valid, or they return a nil *Config and an *[Error] that lists every
// problem found in the file at once, each with its file, line and key path
// such as sequence[1].steps[0].after. Secrets never appear in error
// messages. The package does no work at init and holds no global state.
package config

import (
	"os"
	"strings"
	"time"
	_ "time/tzdata" // so Business.Timezone loads on systems without zoneinfo

	"github.com/followupd/followupd/internal/core"
)

// DefaultPath is the config file used when neither a flag nor
// $FOLLOWUPD_CONFIG names one.
const DefaultPath = "followupd.toml"

// EnvConfig is the environment variable that names the config file.
const EnvConfig = "FOLLOWUPD_CONFIG"

// Config is the whole configuration of the daemon.
type Config struct {
	File      string     `toml:"-"` // the path it was loaded from
	lines     lineIndex  // where each key is written, for later problems
	Business  Business   `toml:"business"`
	IMAP      IMAP       `toml:"imap"`
	SMTP      SMTP       `toml:"smtp"`
	Store     Store      `toml:"store"`
	Templates Templates  `toml:"templates"`
	Sequences []Sequence `toml:"sequence"`
	Admin     Admin      `toml:"admin"`
	Digest    Digest     `toml:"digest"`
	// Rules classify customer mail, in order; the first match wins.
	Rules    []Rule   `toml:"rule"`
	Classify Classify `toml:"classify"`
	Trust    Trust    `toml:"trust"`
}

// Business describes the business and its owner.
type Business struct {
	Name         string   `toml:"name"`
	OwnerName    string   `toml:"owner_name"`
	OwnerEmail   string   `toml:"owner_email"`   // required, a bare address
	OwnerAliases []string `toml:"owner_aliases"` // other addresses of the owner
	Timezone     string   `toml:"timezone"`      // IANA name, default "UTC"
	// SendHours limits when follow-ups go out, in the business time zone,
	// e.g. "Mon-Fri 09:00-17:00; Sat 10:00-14:00". Empty means any time.
	SendHours string `toml:"send_hours"`

	// Holidays are dates ("2026-12-25") on which nothing goes to customers.
	Holidays []string `toml:"holidays"`
	// MinGap is the least time between two automatic emails to one
	// customer (owner-bound steps and complaint handling are exempt).
	MinGap Duration `toml:"min_gap"`
	// DailyCap is the most customer emails sent in one local day; 0 = no
	// cap. Default 300.
	DailyCap int `toml:"daily_cap"`
	// MaxLate: a follow-up this late (after an outage, say) is skipped
	// with a reason instead of being sent; 0 = never too late.
	MaxLate Duration `toml:"max_late"`
	// Promise is how soon the business promises a personal answer; the
	// apology and the owner's reminders use it.
	Promise Duration `toml:"promise"`
	// Language is the owner's language (ISO 639-1): the alerts, reminders
	// and digest are written in it, and customers whose language is not
	// known yet get it too. Default "en".
	Language core.Lang `toml:"language"`

	Location    *time.Location  `toml:"-"` // loaded from Timezone
	SendWindows []Window        `toml:"-"` // parsed from SendHours; nil = any time
	HolidaySet  map[string]bool `toml:"-"` // Holidays as "2006-01-02" keys
}

// IMAP is how followupd reads the business inbox.
type IMAP struct {
	Address      string `toml:"address"`  // host:port, required
	Security     string `toml:"security"` // none | starttls | tls, default tls
	Username     string `toml:"username"` // required
	Password     string `toml:"password"`
	PasswordEnv  string `toml:"password_env"`
	PasswordFile string `toml:"password_file"`
	Mailbox      string `toml:"mailbox"` // default INBOX
	// Idle: wait for new mail with IDLE where the server offers it; false
	// polls every poll_interval instead (for servers whose IDLE is broken).
	Idle               *bool    `toml:"idle"`
	PollInterval       Duration `toml:"poll_interval"`    // default 60s, used without IDLE
	IdleRefresh        Duration `toml:"idle_refresh"`     // default 4m
	Timeout            Duration `toml:"timeout"`          // default 30s, dial and command deadline
	MaxMessageSize     int64    `toml:"max_message_size"` // bytes, default 25 MiB
	InsecureSkipVerify bool     `toml:"insecure_skip_verify"`
	// AllowPlaintext lets security = "none" send the password in clear to a
	// host that is not on loopback. Default false: such a login is refused.
	AllowPlaintext bool `toml:"allow_plaintext"`

	Secret string `toml:"-"` // the resolved password
}

// SMTP is how followupd sends follow-ups.
type SMTP struct {
	Address            string   `toml:"address"`  // host:port, required
	Security           string   `toml:"security"` // none | starttls | tls, default starttls
	Username           string   `toml:"username"` // empty = no AUTH
	Password           string   `toml:"password"`
	PasswordEnv        string   `toml:"password_env"`
	PasswordFile       string   `toml:"password_file"`
	From               string   `toml:"from"`     // required, RFC 5322 address
	ReplyTo            string   `toml:"reply_to"` // optional address
	Helo               string   `toml:"helo"`     // default: the host name
	Timeout            Duration `toml:"timeout"`  // default 30s
	InsecureSkipVerify bool     `toml:"insecure_skip_verify"`
	// AutoSubmitted is the Auto-Submitted header of every follow-up
	// (RFC 3834); "" leaves it out. Default "auto-generated".
	AutoSubmitted string `toml:"auto_submitted"`
	// UnsubscribeURL, if set, is an https URL added to List-Unsubscribe
	// with RFC 8058 one-click (List-Unsubscribe-Post); followupd appends
	// ?token=... naming the customer.
	UnsubscribeURL string `toml:"unsubscribe_url"`
	// Auth is the SASL mechanism: "" picks the best the server offers
	// (XOAUTH2 when a token source is set), or "plain", "login", "xoauth2".
	Auth string `toml:"auth"`
	// TokenCommand is run (no shell) for each new connection; its output
	// is the XOAUTH2 access token (Gmail, Microsoft 365).
	TokenCommand []string `toml:"token_command"`
	// TokenFile holds the XOAUTH2 access token, re-read for each connection.
	TokenFile string `toml:"token_file"`
	// Rate limits sends: "30/m", "1/s", "500/h"; "" means no limit.
	Rate string `toml:"rate"`
	// Connections is how many SMTP connections followupd sends over at
	// once, each with its own dispatcher; a customer's follow-ups always
	// go through the same one, in order. Default 3 (what Exchange Online
	// allows one account).
	Connections int `toml:"connections"`
	// SaveSent appends every follow-up sent to the IMAP Sent folder, where
	// the owner sees it and followupd settles sends a crash interrupted.
	// Default true (off by itself when the server has no Sent folder).
	SaveSent *bool `toml:"save_sent"`
	// SentMailbox names that folder; "" finds the one marked \Sent.
	SentMailbox string `toml:"sent_mailbox"`
	// MaxAttempts: a follow-up whose sends keep failing temporarily is
	// given up after this many attempts. Default 8.
	MaxAttempts int `toml:"max_attempts"`
	// MaxRetryAge: or once it is this much past due. Default "2d".
	MaxRetryAge Duration `toml:"max_retry_age"`
	// RetryFirst is the wait after the first temporary failure; it doubles
	// with each attempt up to 2h (jittered 0.5–1.5×). Default "1m".
	RetryFirst Duration `toml:"retry_first"`

	Secret string `toml:"-"` // the resolved password; empty when Username is
}

// Store is where followupd keeps its state.
type Store struct {
	Path string `toml:"path"` // SQLite file, default followupd.db
	// Retention: message excerpts (the customers' words), closed cases and
	// unverified owner mail older than this are deleted, daily. 0 (the
	// default) keeps them.
	Retention Duration `toml:"retention"`
}

// Templates is where the owner's templates live.
type Templates struct {
	Dir string `toml:"dir"` // empty = the built-in defaults
}

// Sequence is a series of follow-ups started by an event.
type Sequence struct {
	Name string `toml:"name"` // required, unique
	// On is the event that starts the sequence: inquiry, purchase,
	// complaint, feedback, other, resolved, or quiet (no contact for
	// QuietAfter).
	On          core.Event `toml:"on"`
	QuietAfter  Duration   `toml:"quiet_after"`   // required when On is "quiet"
	StopOnReply *bool      `toml:"stop_on_reply"` // nil = default (true)
	Steps       []Step     `toml:"steps"`         // at least one
}

// Rule is one classification rule. Every condition given must hold (a
// list matches when any of its items does); a rule needs at least one.
type Rule struct {
	Name     string        `toml:"name"`     // shown by inspect; default "rule[N]"
	Category core.Category `toml:"category"` // inquiry, purchase, complaint, feedback or other
	Tags     []string      `toml:"tags"`     // added to the message's tags
	// Words are words or phrases looked for, case-insensitively and as
	// whole words, in the subject or the customer's own text (not quotes).
	Words []string `toml:"words"`
	// Subject: words or phrases looked for in the subject only.
	Subject []string `toml:"subject"`
	// Regex is a regular expression (RE2) over the subject and own text.
	Regex string `toml:"regex"`
	// From lists sender addresses ("a@b.example") or domains ("b.example").
	From []string `toml:"from"`
	// Header lists "Name: regex" conditions on header values.
	Header []string `toml:"header"`
}

// Admin is the optional HTTP listener for /healthz and /metrics.
type Admin struct {
	// Listen is host:port; empty (the default) means off.
	Listen string `toml:"listen"`
	// AllowRemote must be true to listen on anything but loopback.
	AllowRemote bool `toml:"allow_remote"`
}

// Digest is the owner's daily summary email.
type Digest struct {
	// Time is the local time (business.timezone) it is sent, "HH:MM";
	// "" turns it off. Default "18:00".
	Time string `toml:"time"`
	// To is where it goes; default business.owner_email.
	To string `toml:"to"`
}

// Trust says how mail that claims to come from the owner is verified.
type Trust struct {
	// AuthservIDs are the authserv-ids of the Authentication-Results
	// fields the shop's own receiving server writes ("mx.google.com",
	// "*.messagingengine.com"); "microsoft365" names Exchange Online,
	// whose fields carry none. Empty: known from imap.address for Gmail,
	// Microsoft 365 and Fastmail (see IDs), else none.
	AuthservIDs []string `toml:"authserv_ids"`
	// Owner is "verified" (the default: owner mail acts only when its
	// Authentication-Results or DKIM signature prove it the owner's) or
	// "from-header" (the From header is believed, as before; for servers
	// that can do neither).
	Owner string `toml:"owner"`
	// DNSResolver is the DNS server ("host:port") asked for DKIM keys;
	// "" is the system's resolver.
	DNSResolver string `toml:"dns_resolver"`
	// NewRecipientsPerHour is the most addresses the shop never wrote to
	// that automatic mail goes to in an hour (complaints' apologies too);
	// the rest is held for the owner. 0 = no limit. Default 30.
	NewRecipientsPerHour int `toml:"new_recipients_per_hour"`
	// OwnerAlertsPerHour is the most alerts and reminders to the owner in
	// an hour; the rest are rolled into one alert. 0 = no limit. Default 10.
	OwnerAlertsPerHour int `toml:"owner_alerts_per_hour"`

	// IDs are the authserv-ids in effect: AuthservIDs, else those of the
	// provider imap.address names; IDsFrom says which ("" when none).
	IDs     []string `toml:"-"`
	IDsFrom string   `toml:"-"`
}

// The values of Trust.Owner.
const (
	OwnerVerified   = "verified"
	OwnerFromHeader = "from-header"
)

// Microsoft365 is the authserv-id that stands for Exchange Online, whose
// Authentication-Results fields name no authserv-id.
const Microsoft365 = "microsoft365"

// Classify says how rules apply.
type Classify struct {
	// Defaults adds the built-in rules (complaint, purchase, feedback and
	// inquiry words in English and the common European languages) after
	// the owner's. Default true.
	Defaults *bool `toml:"defaults"`
}

// UsesIdle reports whether to use IDLE where the server offers it.
func (i IMAP) UsesIdle() bool { return i.Idle == nil || *i.Idle }

// SavesSent reports whether sent follow-ups go to the Sent folder.
func (s SMTP) SavesSent() bool { return s.SaveSent == nil || *s.SaveSent }

// UseDefaults reports whether the built-in rules apply.
func (c Classify) UseDefaults() bool { return c.Defaults == nil || *c.Defaults }

// StopsOnReply reports whether a reply from the customer cancels the rest
// of the sequence: StopOnReply if set, else true.
func (s Sequence) StopsOnReply() bool {
	return s.StopOnReply == nil || *s.StopOnReply
}

// Step is one follow-up of a sequence.
type Step struct {
	After    Duration       `toml:"after"`    // delay after the trigger, >= 0
	Template string         `toml:"template"` // template name, [a-z0-9_-]+
	To       core.Recipient `toml:"to"`       // "customer" (default) or "owner"
	// When lists conditions that must all hold for the step to be sent:
	// first-time, repeat, vip, no-reply, owner-silent, case-open,
	// case-resolved. Empty = always.
	When []core.Condition `toml:"when"`
	// Asks says what the step's email asks the customer for: "rating"
	// makes their answer feedback (with its 1-5 rating). Default: what
	// the template's front matter says.
	Asks core.Asks `toml:"asks"`
}

// The values allowed in Security; the rest come from the vocabulary (core).
var securities = []string{"none", "starttls", "tls"}

// Where returns "FILE:LINE: KEY" for a key path such as
// "sequence[0].steps[1].template", for problems found after loading (a
// template that does not exist, say). The line is the key's, else its
// table's; without one it is "FILE: KEY".
func (c *Config) Where(key string) string {
	return strings.TrimSuffix(Problem{File: c.File, Line: c.lines.find(key), Key: key}.String(), ": ")
}

// Find returns the config path to use: flagValue if non-empty, else
// $FOLLOWUPD_CONFIG if non-empty, else [DefaultPath].
func Find(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv(EnvConfig); p != "" {
		return p
	}
	return DefaultPath
}

// Default returns a Config holding only the defaults. It is not valid on
// its own (the required fields are empty); Parse decodes on top of it.
func Default() *Config {
	return &Config{
		Business: Business{Timezone: "UTC", Location: time.UTC, Language: core.English, MinGap: Duration{24 * time.Hour}, DailyCap: 300,
			MaxLate: Duration{7 * 24 * time.Hour}, Promise: Duration{24 * time.Hour}},
		IMAP: IMAP{
			Security:       "tls",
			Mailbox:        "INBOX",
			PollInterval:   Duration{60 * time.Second},
			IdleRefresh:    Duration{4 * time.Minute},
			Timeout:        Duration{30 * time.Second},
			MaxMessageSize: 25 << 20,
		},
		SMTP: SMTP{
			Security:      "starttls",
			Timeout:       Duration{30 * time.Second},
			AutoSubmitted: "auto-generated",
			MaxAttempts:   8,
			Connections:   3,
			MaxRetryAge:   Duration{48 * time.Hour},
			RetryFirst:    Duration{time.Minute},
		},
		Store:  Store{Path: "followupd.db"},
		Digest: Digest{Time: "18:00"},
		Trust:  Trust{Owner: OwnerVerified, NewRecipientsPerHour: 30, OwnerAlertsPerHour: 10},
	}
}
