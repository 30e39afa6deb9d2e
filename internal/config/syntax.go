package config

import (
	"errors"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// syntaxProblem is the problem of a file that is not valid TOML: its
// file, line and the key written on that line. A line that holds a secret
// (a password, a token, a _file or _env key) has its message stripped of
// anything quoted from the file, since the parser quotes what it found
// there: `password = TOPSECRET1` must not print TOPSECRET.
func syntaxProblem(name string, data []byte, err error) Problem {
	p := Problem{File: name, Msg: err.Error()}
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return p
	}
	p.Line, p.Msg = pe.Position.Line, pe.Message
	lines := strings.Split(string(data), "\n")
	secret := false
	// The parser may stop on the line after the one at fault (an
	// unterminated string), so both are looked at.
	for _, n := range []int{p.Line, p.Line - 1} {
		if n < 1 || n > len(lines) {
			continue
		}
		key, _, ok := strings.Cut(lines[n-1], "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, "[]#\"'") {
			continue
		}
		if n == p.Line {
			p.Key = tableOf(lines, n) + key
		}
		secret = secret || secretKey(key)
	}
	if secret {
		p.Msg = quoted.ReplaceAllString(p.Msg, "(value not shown: it may be a secret)")
		if !strings.Contains(p.Msg, "not shown") {
			p.Msg += " (the value is not shown: it may be a secret)"
		}
		bare := p.Key[strings.LastIndexByte(p.Key, '.')+1:]
		if bare == "" {
			bare = "password"
		}
		p.Msg += "; a string needs quotes: " + bare + ` = "..."`
	}
	return p
}

var quoted = regexp.MustCompile(`"[^"]*"|'[^']*'`)

// secretKey reports a key whose value may be a secret or name one.
func secretKey(key string) bool {
	k := strings.ToLower(key)
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		k = k[i+1:]
	}
	return strings.Contains(k, "password") || strings.Contains(k, "token") || strings.Contains(k, "secret") ||
		strings.HasSuffix(k, "_file") || strings.HasSuffix(k, "_env")
}

// tableOf returns the table the line n is in, as a key prefix ("imap."),
// "" at the top level.
func tableOf(lines []string, n int) string {
	for i := n - 2; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "[") {
			name := strings.Trim(strings.TrimSpace(strings.SplitN(l, "]", 2)[0]), "[ ")
			if name == "" {
				return ""
			}
			return name + "."
		}
	}
	return ""
}
