package config

import (
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/core"
)

var templateName = regexp.MustCompile(`^[a-z0-9_-]+$`)

// validate checks cfg's values, records every problem in ps, and fills the
// derived fields (Location, SendWindows) and per-step defaults.
func validate(ps *problems, cfg *Config) {
	validateBusiness(ps, &cfg.Business)
	validateIMAP(ps, &cfg.IMAP)
	validateSMTP(ps, &cfg.SMTP)
	validateSMTPExtra(ps, &cfg.SMTP)
	if cfg.Store.Path == "" {
		ps.add("store.path", "is required")
	}
	if r := cfg.Store.Retention.Duration; r < 0 || r > 0 && r < 24*time.Hour {
		ps.add("store.retention", "%s: give 0 (keep everything) or at least a day, such as \"730d\"", cfg.Store.Retention)
	}
	if cfg.Digest.Time != "" {
		if _, err := time.Parse("15:04", cfg.Digest.Time); err != nil {
			ps.add("digest.time", "%q is not a time like \"18:00\"", cfg.Digest.Time)
		}
	}
	if cfg.Digest.To == "" {
		cfg.Digest.To = cfg.Business.OwnerEmail
	} else {
		bareAddress(ps, "digest.to", cfg.Digest.To)
	}
	if cfg.Admin.Listen != "" {
		if _, _, err := net.SplitHostPort(cfg.Admin.Listen); err != nil {
			ps.add("admin.listen", "%q is not host:port (e.g. \"127.0.0.1:9464\")", cfg.Admin.Listen)
		}
	}
	validateTrust(ps, &cfg.Trust, cfg.IMAP.Address)
	for i := range cfg.Rules {
		validateRule(ps, indexKey("rule", i), &cfg.Rules[i], i)
	}
	seen := map[string]int{}
	for i := range cfg.Sequences {
		validateSequence(ps, indexKey("sequence", i), &cfg.Sequences[i])
		name := cfg.Sequences[i].Name
		if j, dup := seen[name]; dup && name != "" {
			ps.add(indexKey("sequence", i)+".name", "%q is already the name of sequence[%d]", name, j)
		} else {
			seen[name] = i
		}
	}
}

func validateBusiness(ps *problems, b *Business) {
	if b.OwnerEmail == "" {
		ps.add("business.owner_email", "is required")
	} else {
		bareAddress(ps, "business.owner_email", b.OwnerEmail)
	}
	for i, a := range b.OwnerAliases {
		bareAddress(ps, indexKey("business.owner_aliases", i), a)
	}
	if l, ok := core.ParseLang(string(b.Language)); !ok {
		ps.add("business.language", "%q is not a language code (ISO 639-1, such as \"en\" or \"de\")", b.Language)
	} else {
		b.Language = l
	}
	loc, err := time.LoadLocation(b.Timezone)
	if err != nil {
		ps.add("business.timezone", "unknown time zone %q (use an IANA name such as \"Europe/Paris\")", b.Timezone)
	} else {
		b.Location = loc
	}
	ws, err := ParseSendHours(b.SendHours)
	if err != nil {
		ps.add("business.send_hours", "%v", err)
	}
	b.SendWindows = ws
	b.HolidaySet = map[string]bool{}
	for i, h := range b.Holidays {
		d, err := time.Parse("2006-01-02", strings.TrimSpace(h))
		if err != nil {
			ps.add(indexKey("business.holidays", i), "%q is not a date like \"2026-12-25\"", h)
			continue
		}
		b.HolidaySet[d.Format("2006-01-02")] = true
	}
	if b.MinGap.Duration < 0 {
		ps.add("business.min_gap", "must not be negative")
	}
	if b.MaxLate.Duration < 0 {
		ps.add("business.max_late", "must not be negative")
	}
	if b.DailyCap < 0 {
		ps.add("business.daily_cap", "must not be negative (0 = no cap)")
	}
}

func validateRule(ps *problems, key string, r *Rule, i int) {
	if r.Name == "" {
		r.Name = key
	}
	if r.Category == "" && len(r.Tags) == 0 {
		ps.add(key+".category", "is required (one of %s), unless the rule only adds tags", join(core.Categories))
	} else if r.Category != "" {
		oneOf(ps, key+".category", r.Category, core.Categories)
	}
	if len(r.Words) == 0 && len(r.Subject) == 0 && r.Regex == "" && len(r.From) == 0 && len(r.Header) == 0 {
		ps.add(key, "needs at least one condition: words, subject, regex, from or header")
	}
	if r.Regex != "" {
		if _, err := regexp.Compile(r.Regex); err != nil {
			ps.add(key+".regex", "%v", err)
		}
	}
	for j, h := range r.Header {
		name, re, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			ps.add(indexKey(key+".header", j), "%q: want \"Name: regex\"", h)
			continue
		}
		if _, err := regexp.Compile(strings.TrimSpace(re)); err != nil {
			ps.add(indexKey(key+".header", j), "%v", err)
		}
	}
	for j, t := range r.Tags {
		if strings.ContainsAny(t, " \t#") || t == "" {
			ps.add(indexKey(key+".tags", j), "%q: a tag is one word, without #", t)
		}
	}
}

func validateIMAP(ps *problems, c *IMAP) {
	oneOf(ps, "imap.security", c.Security, securities)
	hostPort(ps, "imap.address", c.Address, map[string]string{"tls": "993", "starttls": "143", "none": "143"}[c.Security])
	if c.Username == "" {
		ps.add("imap.username", "is required")
	}
	if host, _, err := net.SplitHostPort(c.Address); err == nil && c.Security == "none" && !c.AllowPlaintext && !loopbackHost(host) {
		ps.add("imap.security", `"none" would send the password in clear to %s: use "tls" or "starttls", or set allow_plaintext = true`, host)
	}
	if c.Mailbox == "" {
		ps.add("imap.mailbox", "is required")
	}
	positive(ps, "imap.poll_interval", c.PollInterval)
	positive(ps, "imap.idle_refresh", c.IdleRefresh)
	if c.IdleRefresh.Duration > 29*time.Minute {
		ps.add("imap.idle_refresh", "%s is too long: servers may drop an IDLE after 30m (RFC 2177); use at most 29m", c.IdleRefresh)
	}
	positive(ps, "imap.timeout", c.Timeout)
	if c.MaxMessageSize <= 0 {
		ps.add("imap.max_message_size", "must be a positive number of bytes, got %d", c.MaxMessageSize)
	}
}

// MaxConnections bounds smtp.connections: more would only make a relay
// refuse connections.
const MaxConnections = 16

var rateRE = regexp.MustCompile(`^\s*[1-9][0-9]*\s*/\s*([0-9]*\s*(s|sec|second|m|min|minute|h|hour|d|day)|[0-9.]+(ns|us|µs|ms|s|m|h)([0-9.]+(ns|us|µs|ms|s|m|h))*)\s*$`)

func validateSMTPExtra(ps *problems, c *SMTP) {
	if c.Rate != "" && !rateRE.MatchString(c.Rate) {
		ps.add("smtp.rate", "%q is not a rate such as \"30/m\", \"1/s\" or \"500/h\"", c.Rate)
	}
	oneOf(ps, "smtp.auth", c.Auth, []string{"", "plain", "login", "xoauth2"})
	if len(c.TokenCommand) > 0 && c.TokenFile != "" {
		ps.add("smtp.token_file", "set token_command or token_file, not both")
	}
	if (len(c.TokenCommand) > 0 || c.TokenFile != "") && c.Username == "" {
		ps.add("smtp.username", "is required with an XOAUTH2 token (the account the token is for)")
	}
	if c.UnsubscribeURL != "" {
		u, err := url.Parse(c.UnsubscribeURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			ps.add("smtp.unsubscribe_url", "%q is not an https URL (RFC 8058 one-click needs https)", c.UnsubscribeURL)
		}
	}
	if c.MaxAttempts < 1 {
		ps.add("smtp.max_attempts", "must be at least 1")
	}
	if c.Connections < 1 || c.Connections > MaxConnections {
		ps.add("smtp.connections", "must be from 1 to %d", MaxConnections)
	}
	positive(ps, "smtp.retry_first", c.RetryFirst)
	if v := c.AutoSubmitted; v != "" && v != "auto-generated" && v != "auto-replied" && v != "auto-notified" {
		ps.add("smtp.auto_submitted", "%q: want auto-generated, auto-replied, auto-notified or \"\" (RFC 3834)", v)
	}
}

func validateSMTP(ps *problems, c *SMTP) {
	oneOf(ps, "smtp.security", c.Security, securities)
	hostPort(ps, "smtp.address", c.Address, map[string]string{"tls": "465", "starttls": "587", "none": "25"}[c.Security])
	if c.From == "" {
		ps.add("smtp.from", "is required")
	} else if _, err := mail.ParseAddress(c.From); err != nil {
		ps.add("smtp.from", "%q is not an email address such as \"Pam at Acme <pam@example.com>\"", c.From)
	}
	if c.ReplyTo != "" {
		if _, err := mail.ParseAddress(c.ReplyTo); err != nil {
			ps.add("smtp.reply_to", "%q is not an email address", c.ReplyTo)
		}
	}
	if strings.ContainsAny(c.Helo, " \t\r\n") {
		ps.add("smtp.helo", "%q is not a host name", c.Helo)
	}
	positive(ps, "smtp.timeout", c.Timeout)
}

func validateSequence(ps *problems, key string, s *Sequence) {
	if s.Name == "" {
		ps.add(key+".name", "is required")
	}
	switch {
	case s.On == "":
		ps.add(key+".on", "is required (one of %s)", join(core.Events))
	default:
		oneOf(ps, key+".on", s.On, core.Events)
	}
	if s.On == core.EventQuiet && s.QuietAfter.Duration <= 0 {
		ps.add(key+".quiet_after", "is required when on = \"quiet\" (e.g. \"8w\")")
	}
	if s.On != core.EventQuiet && s.QuietAfter.Duration != 0 {
		ps.add(key+".quiet_after", "only applies when on = \"quiet\"")
	}
	if len(s.Steps) == 0 {
		ps.add(key+".steps", "at least one step is required")
	}
	for i := range s.Steps {
		validateStep(ps, indexKey(key+".steps", i), &s.Steps[i])
	}
}

func validateStep(ps *problems, key string, st *Step) {
	if st.After.Duration < 0 {
		ps.add(key+".after", "must not be negative, got %s", st.After)
	}
	switch {
	case st.Template == "":
		ps.add(key+".template", "is required")
	case !templateName.MatchString(st.Template):
		ps.add(key+".template", "%q is not a template name (lowercase letters, digits, - and _)", st.Template)
	}
	if st.To == "" {
		st.To = core.ToCustomer
	}
	oneOf(ps, key+".to", st.To, core.Recipients)
	for i, w := range st.When {
		oneOf(ps, indexKey(key+".when", i), w, core.Conditions)
	}
	if st.Asks != core.AsksNothing {
		oneOf(ps, key+".asks", st.Asks, []core.Asks{core.AsksRating})
	}
}

func oneOf[T ~string](ps *problems, key string, v T, allowed []T) {
	if !slices.Contains(allowed, v) {
		ps.add(key, "%q is not one of %s", v, join(allowed))
	}
}

// join lists allowed values for a message: "a, b, c".
func join[T ~string](vs []T) string {
	ss := make([]string, len(vs))
	for i, v := range vs {
		ss[i] = string(v)
	}
	return strings.Join(ss, ", ")
}

func positive(ps *problems, key string, d Duration) {
	if d.Duration <= 0 {
		ps.add(key, "must be positive, got %s", d)
	}
}

// hostPort checks that v is host:port with a numeric port, suggesting
// port when v lacks one.
func hostPort(ps *problems, key, v, port string) {
	if v == "" {
		ps.add(key, "is required (host:port)")
		return
	}
	host, p, err := net.SplitHostPort(v)
	if err != nil {
		if port != "" && !strings.Contains(v, ":") {
			ps.add(key, "%q is not host:port (try %q)", v, net.JoinHostPort(v, port))
		} else {
			ps.add(key, "%q is not host:port", v)
		}
		return
	}
	if n, err := strconv.Atoi(p); host == "" || err != nil || n < 1 || n > 65535 {
		ps.add(key, "%q is not host:port with a port from 1 to 65535", v)
	}
}

// bareAddress checks that v is an address without a display name.
func bareAddress(ps *problems, key, v string) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		ps.add(key, "%q is not an email address such as \"owner@example.com\"", v)
	}
}

// loopbackHost reports a host name or address on this machine.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
