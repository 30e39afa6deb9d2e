package authn

import (
	"strconv"
	"strings"

	"github.com/emersion/go-message"
)

// Spam says why the receiving server marked the message as spam, or ""
// if it did not: SpamAssassin's X-Spam-Flag and X-Spam-Status, rspamd's
// X-Spam and X-Spamd-Result (or a score over its threshold), Exchange's
// spam confidence level (SCL 5 or more, in
// X-MS-Exchange-Organization-SCL or X-Forefront-Antispam-Report). A
// sender can write these too, but only to keep its own mail unanswered.
func Spam(h message.Header) string {
	if v := strings.TrimSpace(h.Get("X-Spam-Flag")); strings.EqualFold(v, "yes") {
		return "X-Spam-Flag: " + v
	}
	if v := strings.TrimSpace(h.Get("X-Spam-Status")); v != "" {
		verdict, rest, _ := strings.Cut(v, ",")
		if strings.EqualFold(strings.TrimSpace(verdict), "yes") || over(param(rest, "score"), param(rest, "required")) {
			return "X-Spam-Status: " + short(v)
		}
	}
	if v := strings.TrimSpace(h.Get("X-Spam")); strings.EqualFold(v, "yes") {
		return "X-Spam: " + v
	}
	if v := strings.TrimSpace(h.Get("X-Spamd-Result")); v != "" {
		// "default: True [16.20 / 15.00]; SYMBOL(1.0)[...]; ..."
		_, verdict, _ := strings.Cut(v, ":")
		verdict, _, _ = strings.Cut(verdict, ";")
		flag, scores, _ := strings.Cut(strings.TrimSpace(verdict), "[")
		score, required, _ := strings.Cut(strings.TrimSuffix(strings.TrimSpace(scores), "]"), "/")
		if strings.EqualFold(strings.TrimSpace(flag), "true") || over(score, required) {
			return "X-Spamd-Result: " + short(verdict)
		}
	}
	scl := strings.TrimSpace(h.Get("X-MS-Exchange-Organization-SCL"))
	if scl == "" {
		for _, f := range strings.Split(h.Get("X-Forefront-Antispam-Report"), ";") {
			if k, v, ok := strings.Cut(f, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "SCL") {
				scl = strings.TrimSpace(v)
			}
		}
	}
	if n, err := strconv.Atoi(scl); err == nil && n >= 5 {
		return "Microsoft spam confidence level " + scl
	}
	return ""
}

// param returns the value of name=value in a SpamAssassin status line.
func param(s, name string) string {
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok && strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// over reports a score at or over its threshold, both numbers.
func over(score, threshold string) bool {
	s, err1 := strconv.ParseFloat(strings.TrimSpace(score), 64)
	t, err2 := strconv.ParseFloat(strings.TrimSpace(threshold), 64)
	return err1 == nil && err2 == nil && t > 0 && s >= t
}

func short(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
