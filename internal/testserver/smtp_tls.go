package testserver

import (
	"crypto/tls"
	"errors"
	"net"
	"sync/atomic"

	"github.com/emersion/go-smtp"
)

// SMTPTLSMode says how an SMTP server offers TLS.
type SMTPTLSMode int

const (
	// SMTPPlain offers no TLS (what StartSMTP starts).
	SMTPPlain SMTPTLSMode = iota
	// SMTPStartTLS advertises STARTTLS on a plain connection (port 587).
	SMTPStartTLS
	// SMTPImplicitTLS speaks TLS from the first byte (port 465).
	SMTPImplicitTLS
)

// StartSMTPTLS starts an SMTP server like StartSMTP that offers TLS in the
// given mode with conf (e.g. from TestCA.ServerConfig). AUTH is offered
// with or without TLS, as by StartSMTP.
func StartSMTPTLS(mode SMTPTLSMode, conf *tls.Config) (*SMTP, error) {
	if mode != SMTPPlain && conf == nil {
		return nil, errors.New("smtp tls: no tls.Config")
	}
	s := &SMTP{changed: make(chan struct{}), rejects: make(map[string]*smtp.SMTPError),
		tlsMode: mode, tlsConf: conf}
	if err := s.start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.addr = s.ln.Addr().String()
	return s, nil
}

// Connections returns how many connections the server has accepted since
// it started (over Restarts too).
func (s *SMTP) Connections() int { return int(s.conns.Load()) }

// withTLS sets up srv and ln for the server's TLS mode and counts accepted
// connections. It is called by start with each new listener.
func (s *SMTP) withTLS(srv *smtp.Server, ln net.Listener) net.Listener {
	ln = &countingListener{Listener: ln, n: &s.conns}
	switch s.tlsMode {
	case SMTPStartTLS:
		srv.TLSConfig = s.tlsConf
	case SMTPImplicitTLS:
		ln = tls.NewListener(ln, s.tlsConf)
	}
	return &observingListener{Listener: ln, s: s}
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}
