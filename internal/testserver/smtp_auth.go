package testserver

import (
	"bytes"
	"slices"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SASL mechanism names the SMTP server can offer besides sasl.Plain.
const (
	AuthLogin   = "LOGIN"
	AuthXOAUTH2 = "XOAUTH2"
)

// SetAuthMechanisms chooses the AUTH mechanisms the server advertises and
// accepts once RequireAuth is set: any of sasl.Plain, AuthLogin and
// AuthXOAUTH2 (for XOAUTH2, RequireAuth's pass is the bearer token). The
// default is PLAIN only. No mechanisms means AUTH is not advertised.
func (s *SMTP) SetAuthMechanisms(mechs ...string) {
	s.mu.Lock()
	s.authMechs = append([]string{}, mechs...)
	s.mu.Unlock()
}

// AuthsUsed returns the mechanism of every successful AUTH so far, in order.
func (s *SMTP) AuthsUsed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.authUsed...)
}

func (s *SMTP) checkAuth(user, pass string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authUser != "" && user == s.authUser && pass == s.authPass
}

func (ss *smtpSession) offers(mech string) bool {
	return slices.Contains(ss.AuthMechanisms(), mech)
}

func (ss *smtpSession) authSucceeded(mech string) {
	ss.authed = true
	ss.s.mu.Lock()
	ss.s.authUsed = append(ss.s.authUsed, mech)
	ss.s.mu.Unlock()
}

// authOther serves the mechanisms other than PLAIN.
func (ss *smtpSession) authOther(mech string) (sasl.Server, error) {
	if !ss.offers(mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	switch mech {
	case AuthLogin:
		return &loginServer{ss: ss}, nil
	case AuthXOAUTH2:
		return &xoauth2Server{ss: ss}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// loginServer is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login): it asks for the user name, then the
// password. An initial response is taken as the user name.
type loginServer struct {
	ss         *smtpSession
	step       int
	user, pass string
}

func (a *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch a.step {
	case 0:
		a.step = 1
		if resp == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		a.user, a.step = string(resp), 2
		return []byte("Password:"), false, nil
	case 2:
		a.pass, a.step = string(resp), 3
		if !a.ss.s.checkAuth(a.user, a.pass) {
			return nil, true, smtp.ErrAuthFailed
		}
		a.ss.authSucceeded(AuthLogin)
		return nil, true, nil
	}
	return nil, true, smtp.ErrAuthFailed
}

// xoauth2Server is the server side of Google's and Microsoft's XOAUTH2:
// the client sends "user=U\x01auth=Bearer T\x01\x01". A bad token gets a
// 334 with an error in JSON, the client answers with an empty line and
// then gets 535, as from the real servers.
type xoauth2Server struct {
	ss     *smtpSession
	failed bool
}

func (a *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if a.failed {
		return nil, true, smtp.ErrAuthFailed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, f := range bytes.Split(resp, []byte{1}) {
		k, v, _ := strings.Cut(string(f), "=")
		switch k {
		case "user":
			user = v
		case "auth":
			token, _ = strings.CutPrefix(v, "Bearer ")
		}
	}
	if user == "" || token == "" || !a.ss.s.checkAuth(user, token) {
		a.failed = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	a.ss.authSucceeded(AuthXOAUTH2)
	return nil, true, nil
}
