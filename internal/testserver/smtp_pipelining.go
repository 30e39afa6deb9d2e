package testserver

import (
	"bytes"
	"net"
)

// SetPipelining says whether connections accepted from now on are offered
// PIPELINING (RFC 2920) in the EHLO reply; go-smtp offers it, so it is on
// by default. A client must then wait for each reply before the next
// command.
func (s *SMTP) SetPipelining(on bool) { s.noPipelining.Store(!on) }

// PipelinedEnvelopes returns how many times a client sent RCPT TO in the
// same read as its MAIL FROM, that is before the MAIL reply: a pipelined
// envelope. It sees plain and implicit-TLS connections (not STARTTLS ones,
// which are encrypted below it).
func (s *SMTP) PipelinedEnvelopes() int { return int(s.pipelined.Load()) }

// PipelinedAfterDot returns how many times a client sent MAIL FROM in the
// same read as the final dot of the message before, that is before that
// message's reply.
func (s *SMTP) PipelinedAfterDot() int { return int(s.afterDot.Load()) }

// observingListener wraps accepted connections in observedConn.
type observingListener struct {
	net.Listener
	s *SMTP
}

func (l *observingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &observedConn{Conn: c, s: l.s, strip: l.s.noPipelining.Load()}, nil
}

type observedConn struct {
	net.Conn
	s     *SMTP
	strip bool // remove PIPELINING from the EHLO reply
}

func (c *observedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	b := p[:n]
	if bytes.HasPrefix(b, []byte("MAIL FROM:")) && bytes.Contains(b, []byte("\r\nRCPT TO:")) {
		c.s.pipelined.Add(1)
	}
	if bytes.Contains(b, []byte("\r\n.\r\nMAIL FROM:")) {
		c.s.pipelined.Add(1) // its envelope is pipelined too
		c.s.afterDot.Add(1)
	}
	return n, err
}

func (c *observedConn) Write(p []byte) (int, error) {
	if c.strip && bytes.Contains(p, []byte("-PIPELINING\r\n")) {
		q := bytes.Replace(p, []byte("250-PIPELINING\r\n"), nil, 1)
		if _, err := c.Conn.Write(q); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}
