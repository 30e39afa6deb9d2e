package mailer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// Values of Config.Auth.
const (
	AuthAuto    = ""        // XOAUTH2 if a token source is set, else the first of PLAIN, LOGIN the server offers
	AuthPlain   = "plain"   // RFC 4616
	AuthLogin   = "login"   // the old LOGIN mechanism some servers still want
	AuthXOAUTH2 = "xoauth2" // Gmail and Microsoft 365: a bearer token instead of a password
)

// mechanism returns the AUTH mechanism asked for by the configuration.
func (c *Config) mechanism() string {
	a := strings.ToLower(c.Auth)
	if a == AuthAuto && (len(c.TokenCommand) > 0 || c.TokenFile != "") {
		return AuthXOAUTH2
	}
	return a
}

// secret returns what AUTH sends as the password: the token from the
// command or file, read afresh for each connection (access tokens live
// about an hour), or the configured password.
func (m *Mailer) secret(ctx context.Context) (string, error) {
	switch {
	case len(m.cfg.TokenCommand) > 0:
		return runTokenCommand(ctx, m.cfg.TokenCommand, m.cfg.Timeout)
	case m.cfg.TokenFile != "":
		return readTokenFile(m.cfg.TokenFile)
	}
	return m.cfg.Password, nil
}

func runTokenCommand(ctx context.Context, argv []string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout bytes.Buffer
	// Its stderr is not kept: a helper that fails may print the refresh
	// token or a client secret there, and errors end in the log.
	cmd.Stdout, cmd.Stderr = &stdout, io.Discard
	cmd.WaitDelay = time.Second // a grandchild holding stdout open must not hang us
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return "", configErrorf("token command %s: %v (its error output is not logged, as it may hold a secret: run it by hand to see it)", argv[0], err)
	}
	tok, err := checkToken(stdout.String())
	if err != nil {
		return "", configErrorf("token command %s: %v", argv[0], err)
	}
	return tok, nil
}

func readTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", configErrorf("token file: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return "", configErrorf("token file: %v", err)
	}
	tok, err := checkToken(string(b))
	if err != nil {
		return "", configErrorf("token file %s: %v", path, err)
	}
	return tok, nil
}

// checkToken trims s and accepts it if it is one word of printable ASCII,
// as OAuth 2 access tokens are.
func checkToken(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty token")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return "", errors.New("the token is not one word of printable ASCII")
		}
	}
	return s, nil
}

// saslAuth picks the mechanism once the server has said which it offers
// (after STARTTLS), then delegates to go-mail's implementation. It refuses
// to send a password or token over a connection that is not encrypted,
// unless the server is on a loopback address.
type saslAuth struct {
	want         string // a Config.Auth value
	user, secret string
	clearOK      bool
	inner        smtp.Auth
}

func (a *saslAuth) Start(si *smtp.ServerInfo) (string, []byte, error) {
	offered := make(map[string]bool)
	for _, m := range si.Auth {
		offered[strings.ToUpper(m)] = true
	}
	mech := strings.ToUpper(a.want)
	switch {
	case a.want == AuthAuto:
		for _, m := range []string{"PLAIN", "LOGIN"} {
			if offered[m] {
				mech = m
				break
			}
		}
		if mech == "" {
			return "", nil, configErrorf("server offers AUTH %s but not PLAIN or LOGIN (for XOAUTH2 set auth and a token)", strings.Join(si.Auth, " "))
		}
	case !offered[mech]:
		return "", nil, configErrorf("server does not offer AUTH %s (it offers %s)", mech, strings.Join(si.Auth, " "))
	}
	if !si.TLS && !a.clearOK {
		return "", nil, configErrorf("refusing AUTH %s over an unencrypted connection to %s (use security starttls or tls)", mech, si.Name)
	}
	switch mech {
	case "PLAIN":
		a.inner = smtp.PlainAuth("", a.user, a.secret, si.Name, true)
	case "LOGIN":
		a.inner = smtp.LoginAuth(a.user, a.secret, si.Name, true)
	case "XOAUTH2":
		a.inner = smtp.XOAuth2Auth(a.user, a.secret)
	default:
		return "", nil, configErrorf("unknown auth %q", a.want)
	}
	return a.inner.Start(si)
}

func (a *saslAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if a.inner == nil {
		return nil, fmt.Errorf("auth: Next before Start")
	}
	return a.inner.Next(fromServer, more)
}
