package testserver

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// DNS is an in-process DNS server on 127.0.0.1 that answers TXT queries
// from a table (DKIM keys, for the tests and the demo), over UDP and TCP
// on the same port. Every other name gets NXDOMAIN.
type DNS struct {
	addr string
	udp  net.PacketConn
	tcp  net.Listener

	mu      sync.Mutex
	txt     map[string][]string // lower-cased name without the final dot
	queries int

	wg sync.WaitGroup
}

// StartDNS starts a DNS server on a free loopback port.
func StartDNS() (*DNS, error) {
	// The same port for UDP and TCP: a resolver that gets a truncated
	// answer asks again over TCP.
	for range 20 {
		udp, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		tcp, err := net.Listen("tcp", udp.LocalAddr().String())
		if err != nil {
			udp.Close()
			continue
		}
		d := &DNS{addr: udp.LocalAddr().String(), udp: udp, tcp: tcp, txt: map[string][]string{}}
		d.wg.Add(2)
		go d.serveUDP()
		go d.serveTCP()
		return d, nil
	}
	return nil, errors.New("dns: no free port for both UDP and TCP")
}

// Addr returns the server's host:port.
func (d *DNS) Addr() string { return d.addr }

// SetTXT sets the TXT records of name (replacing any); none removes it.
func (d *DNS) SetTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if len(values) == 0 {
		delete(d.txt, name)
		return
	}
	d.txt[name] = values
}

// Queries returns how many queries the server has answered.
func (d *DNS) Queries() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queries
}

// Close stops the server and waits for its goroutines.
func (d *DNS) Close() error {
	err := errors.Join(d.udp.Close(), d.tcp.Close())
	d.wg.Wait()
	return err
}

func (d *DNS) serveUDP() {
	defer d.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := d.udp.ReadFrom(buf)
		if err != nil {
			return
		}
		if out := d.answer(buf[:n], 1232); out != nil {
			d.udp.WriteTo(out, from)
		}
	}
}

func (d *DNS) serveTCP() {
	defer d.wg.Done()
	for {
		c, err := d.tcp.Accept()
		if err != nil {
			return
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			for range 16 {
				var n uint16
				if binary.Read(c, binary.BigEndian, &n) != nil {
					return
				}
				q := make([]byte, n)
				if _, err := io.ReadFull(c, q); err != nil {
					return
				}
				out := d.answer(q, 65535)
				if out == nil {
					return
				}
				if _, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(out))), out...)); err != nil {
					return
				}
			}
		}()
	}
}

// answer builds the response to query q, truncated to fit size; nil for
// a query that cannot be read.
func (d *DNS) answer(q []byte, size int) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil {
		return nil
	}
	question, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(question.Name.String(), "."))
	d.mu.Lock()
	d.queries++
	values, ok := d.txt[name]
	d.mu.Unlock()

	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	if !ok {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if b.StartQuestions() != nil || b.Question(question) != nil || b.StartAnswers() != nil {
		return nil
	}
	if ok && (question.Type == dnsmessage.TypeTXT || question.Type == dnsmessage.TypeALL) {
		for _, v := range values {
			rr := dnsmessage.ResourceHeader{Name: question.Name, Type: dnsmessage.TypeTXT, Class: dnsmessage.ClassINET, TTL: 60}
			if b.TXTResource(rr, dnsmessage.TXTResource{TXT: chunks(v)}) != nil {
				return nil
			}
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	if len(out) > size {
		rh.Truncated = true
		b := dnsmessage.NewBuilder(nil, rh)
		if b.StartQuestions() != nil || b.Question(question) != nil {
			return nil
		}
		out, _ = b.Finish()
	}
	return out
}

// chunks splits a TXT value into character-strings of at most 255 bytes,
// as a DKIM key longer than that is published.
func chunks(s string) []string {
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}
