package inbox

import (
	"encoding/json"
	"regexp"
	"strings"
)

// maxDSNBytes caps how much of a delivery-status part is read.
const maxDSNBytes = 64 << 10

// dsnFields is one block of an RFC 3464 delivery-status body: the
// per-message fields or one recipient's fields. Keys are lower-case; the
// first value of a repeated field wins.
type dsnFields map[string]string

// parseDSN reads a message/delivery-status (or RFC 6533
// message/global-delivery-status) body leniently: blocks are separated by
// blank lines, continuation lines are unfolded, and lines that are not
// fields are skipped. It returns the reporting MTA and the recipient
// blocks, in order.
func parseDSN(raw []byte) (reporter string, recipients []dsnFields) {
	if len(raw) > maxDSNBytes {
		raw = raw[:maxDSNBytes]
	}
	text := validString(string(normalizeNewlines(raw)))
	var blocks []dsnFields
	cur := dsnFields{}
	lastKey := ""
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, cur)
		}
		cur, lastKey = dsnFields{}, ""
	}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			if lastKey != "" {
				cur[lastKey] += " " + strings.TrimSpace(line)
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			k = strings.ToLower(strings.TrimSpace(k))
			if !ok || k == "" || strings.ContainsAny(k, " \t") {
				lastKey = ""
				continue
			}
			// A new recipient block that lacks the blank line before it.
			if (k == "final-recipient" || k == "original-recipient") && hasRecipient(cur) && cur[k] != "" {
				flush()
			}
			if _, dup := cur[k]; !dup {
				cur[k] = strings.TrimSpace(v)
			}
			lastKey = k
		}
	}
	flush()
	for _, b := range blocks {
		if reporter == "" {
			reporter = dsnValue(b["reporting-mta"])
		}
		if hasRecipient(b) {
			recipients = append(recipients, b)
		}
	}
	return reporter, recipients
}

func hasRecipient(b dsnFields) bool {
	return b["final-recipient"] != "" || b["original-recipient"] != ""
}

// dsnValue strips the type prefix of a typed DSN field ("dns; mx.example.com",
// "rfc822; pam@example.com", "smtp; 550 ...") and any trailing comment.
func dsnValue(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 && i < 20 && !strings.ContainsAny(v[:i], " @<") {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// dsnRecipient turns one recipient block into a BouncedRecipient. ok is
// false for blocks without a usable address and for success reports
// (Action delivered, relayed or expanded).
func dsnRecipient(b dsnFields) (r BouncedRecipient, ok bool) {
	action := strings.ToLower(strings.TrimSpace(b["action"]))
	if i := strings.IndexAny(action, " (;"); i >= 0 {
		action = action[:i]
	}
	switch action {
	case "delivered", "relayed", "expanded":
		return r, false
	}
	email := dsnAddress(b["original-recipient"])
	if email == "" {
		email = dsnAddress(b["final-recipient"])
	}
	if email == "" {
		return r, false
	}
	r.Email = email
	r.Status = findStatus(b["status"])
	diag := dsnValue(b["diagnostic-code"])
	if diag == "" {
		diag = dsnValue(b["x-diagnostic"])
	}
	r.Diagnostic = oneLine(diag)
	if r.Status == "" {
		r.Status = findStatus(diag)
	}
	switch {
	case action == "failed":
		r.Permanent = true
	case action == "delayed":
		r.Permanent = false
	case strings.HasPrefix(r.Status, "5."):
		r.Permanent = true
	case strings.HasPrefix(r.Status, "4."):
		r.Permanent = false
	default:
		r.Permanent = smtpCode(diag) != '4'
	}
	return r, true
}

// dsnSuccess reports whether a recipient block announces success
// (Action delivered, relayed or expanded).
func dsnSuccess(b dsnFields) bool {
	action := strings.ToLower(strings.TrimSpace(b["action"]))
	return strings.HasPrefix(action, "delivered") || strings.HasPrefix(action, "relayed") ||
		strings.HasPrefix(action, "expanded")
}

// dsnAddress returns the lower-cased address of an Original-Recipient or
// Final-Recipient value ("rfc822; <pam@example.com>", "utf-8; ...").
func dsnAddress(v string) string {
	v = strings.Trim(dsnValue(v), "<> \t\"")
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	v = strings.Trim(v, "<>\"'.,;")
	if !strings.Contains(v, "@") || strings.HasPrefix(v, "@") || strings.HasSuffix(v, "@") {
		return ""
	}
	return strings.ToLower(v)
}

// oneLine joins s onto one line, trims it and caps its length.
func oneLine(s string) string {
	const maxLen = 300
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxLen {
		cut := 0
		for i := range s {
			if i > maxLen {
				break
			}
			cut = i
		}
		s = strings.TrimSpace(s[:cut])
	}
	return s
}

// Amazon SES sends its bounce notifications through SNS as a JSON
// document (From no-reply@sns.amazonaws.com, "AWS Notification Message"),
// usually with the SES message escaped inside the SNS one:
// "notificationType":"Bounce", a "bounce" object with bounceType and the
// list bouncedRecipients of {emailAddress, action, status, diagnosticCode}.
var (
	sesTypeRe  = regexp.MustCompile(`"notificationType"\s*:\s*"Bounce"`)
	sesListRe  = regexp.MustCompile(`"bouncedRecipients"\s*:\s*\[`)
	sesKindRe  = regexp.MustCompile(`"bounceType"\s*:\s*"([A-Za-z]+)"`)
	sesMTARe   = regexp.MustCompile(`"reportingMTA"\s*:\s*"(?:(?:dsn|dns);\s*)?([A-Za-z0-9][A-Za-z0-9.-]{0,250})"`)
	sesIDRe    = regexp.MustCompile(`"name"\s*:\s*"Message-I[dD]"\s*,\s*"value"\s*:\s*"<([^"<>\s]+)>"`)
	sesEmailRe = regexp.MustCompile(`"emailAddress"\s*:\s*"([^"]+)"`)
)

// sesRecipient is one entry of an SES bouncedRecipients list.
type sesRecipient struct {
	EmailAddress   string `json:"emailAddress"`
	Action         string `json:"action"`
	Status         string `json:"status"`
	DiagnosticCode string `json:"diagnosticCode"`
}

// sesBounce reads an Amazon SES bounce notification in text. Complaint
// and delivery notifications are not bounces. The JSON structure is the
// report's own: it counts as a standard report.
func sesBounce(text string) (*Bounce, bool) {
	if !strings.Contains(text, "notificationType") || !strings.Contains(text, "bouncedRecipients") {
		return nil, false
	}
	s := strings.ReplaceAll(text, `\"`, `"`)
	s = strings.ReplaceAll(s, "!\n ", "") // SNS folds long lines this way
	loc := sesListRe.FindStringIndex(s)
	if loc == nil || !sesTypeRe.MatchString(s) {
		return nil, false
	}
	list := sesRecipients(s[loc[1]-1:])
	permanent := true
	if k := sesKindRe.FindStringSubmatch(s); k != nil && k[1] == "Transient" {
		permanent = false
	}
	// Standard is the outer message's to say (finish): the JSON alone is
	// text anyone can paste into a mail.
	b := &Bounce{}
	for _, sr := range list {
		r := BouncedRecipient{Email: cleanAddr(addrRe.FindString(sr.EmailAddress))}
		r.Diagnostic = oneLine(dsnValue(sr.DiagnosticCode))
		r.Status = findStatus(sr.Status)
		if r.Status == "" {
			r.Status = findStatus(r.Diagnostic)
		}
		switch {
		case strings.EqualFold(sr.Action, "failed"), strings.HasPrefix(r.Status, "5."):
			r.Permanent = true
		case strings.HasPrefix(r.Status, "4."):
			r.Permanent = false
		default:
			r.Permanent = permanent
		}
		b.add(r)
	}
	if len(b.Recipients) == 0 {
		return nil, false
	}
	if m := sesMTARe.FindStringSubmatch(s); m != nil {
		b.Reporter = strings.ToLower(m[1])
	}
	for _, m := range sesIDRe.FindAllStringSubmatch(s, 5) {
		b.Returned = append(b.Returned, m[1])
	}
	return b, true
}

// sesRecipients decodes the bouncedRecipients array that starts s; when
// the JSON cannot be read (a damaged or re-escaped notification) it takes
// the emailAddress values up to the end of the array.
func sesRecipients(s string) []sesRecipient {
	var list []sesRecipient
	if err := json.NewDecoder(strings.NewReader(s)).Decode(&list); err == nil {
		if len(list) > 100 {
			list = list[:100]
		}
		return list
	}
	list = nil
	if end := strings.Index(s, "}]"); end > 0 {
		s = s[:end]
	}
	for _, m := range sesEmailRe.FindAllStringSubmatch(s, 100) {
		list = append(list, sesRecipient{EmailAddress: m[1]})
	}
	return list
}
