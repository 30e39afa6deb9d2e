package demo

import (
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"
)

// letter is one email of the demo's day.
type letter struct {
	from    string
	subject string
	headers string // extra header lines, CRLF-terminated
	body    string
	id      string
	note    string // what the timeline says about it
	signed  bool   // DKIM-signed by the owner's domain, as the owner's server signs
}

// The demo's cast. Carla's first note is already in the inbox when
// followupd starts: she becomes a known (repeat) customer without being
// answered for old mail.
var (
	carlaOld = letter{from: "Carla Ruiz <carla@example.net>", subject: "Thanks for the tune-up", id: "carla-1",
		body: "Pam, the bike rides like new. See you in spring!\nCarla"}
	anaAsks = letter{from: `"Ana López" <ana.lopez@example.com>`, subject: "Do you have the blue cruiser in a medium?", id: "ana-1",
		note: "a first-time customer asks a question",
		body: "Hi! I saw the blue cruiser in your window. Do you have it in a medium frame?\n\nThanks,\nAna"}
	bobAway = letter{from: "Bob Stone <bob@example.org>", subject: "Automatic reply: Your order", id: "bob-ooo",
		note:    "an out-of-office reply",
		headers: "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n",
		body:    "I am out of the office until Monday and will reply when I am back."}
	carlaBuys = letter{from: "Carla Ruiz <carla@example.net>", subject: "Bought the kids' bike", id: "carla-2",
		note: "a repeat customer's purchase",
		body: "Hi Pam, I just bought the green kids' bike in your web shop for my daughter. Order number 1042.\nCarla"}
	danaComplains = letter{from: "Dana Reyes <dana@example.com>", subject: "Unexpected fee on my invoice", id: "dana-1",
		note: "a complaint about an unexpected fee",
		body: "Hello, my repair invoice has an unexpected fee of $25 that nobody mentioned. I'm really disappointed.\nDana"}
	pamForwards = letter{from: "Pam <pam@acme-bikes.example>", subject: "Fwd: Group rental for our club? #vip", id: "pam-fwd-1",
		note: "the owner forwards a customer's email, tagged #vip; her server signed it (DKIM)", signed: true,
		body: "Big club, treat them well #vip\n\n---------- Forwarded message ---------\nFrom: Gil Moreau <gil@club-velo.example>\nDate: Mon, 2 Mar 2026 at 09:12\nSubject: Group rental for our club?\nTo: Pam <pam@acme-bikes.example>\n\nBonjour Pam, could we rent 12 bikes for our club ride on Saturday?\nGil"}
	forgedPam = letter{from: "Pam <pam@acme-bikes.example>", subject: "#stop dana@example.com", id: "forged-1",
		note: "a stranger writes Pam's address in From, unsigned: it must act on nothing",
		body: "stop all mail to her"}
	anaStops = letter{from: `"Ana López" <ana.lopez@example.com>`, subject: "Re: Do you have the blue cruiser in a medium?", id: "ana-2",
		note: "Ana asks to hear no more",
		body: "Please unsubscribe me, I bought one elsewhere.\n\n> Hi Ana, thanks for getting in touch..."}
)

// feedbackReply is Carla's answer to the feedback request (whose
// Message-ID is only known once it has been sent).
func feedbackReply(inReplyTo string) letter {
	return letter{from: "Carla Ruiz <carla@example.net>", subject: "Re: Bought the kids' bike", id: "carla-3",
		note:    "a feedback reply with a rating",
		headers: "In-Reply-To: " + inReplyTo + "\r\nReferences: " + inReplyTo + "\r\n",
		body:    "★★★★★ Five stars. My daughter loves it!\n\n> How did it go?"}
}

func (l letter) raw() []byte {
	s := fmt.Sprintf("From: %s\r\nTo: Acme Bikes <shop@example.test>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@demo.example>\r\n%sMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		l.from, mime.QEncoding.Encode("utf-8", l.subject), time.Now().Format(time.RFC1123Z), l.id, l.headers, strings.ReplaceAll(l.body, "\n", "\r\n"))
	return []byte(s)
}

func (l letter) summary() string {
	return fmt.Sprintf("%s: %q", l.from, l.subject)
}

func wordDecoder() *mime.WordDecoder { return &mime.WordDecoder{CharsetReader: charset.Reader} }

func decodeBody(m *mail.Message) io.Reader {
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		return quotedprintable.NewReader(m.Body)
	}
	return m.Body
}
