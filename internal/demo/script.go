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
	pause   time.Duration // before it arrives
	from    string
	subject string
	headers string // extra header lines
	body    string
	id      string
}

// script is the demo's day of mail. The first letter is already in the
// mailbox when followupd starts.
var script = []letter{
	{from: "Carla Ruiz <carla@example.net>", subject: "Thanks for the tune-up", id: "carla-1",
		body: "Pam, the bike rides like new. See you in spring!\nCarla"},
	{pause: 500 * time.Millisecond, from: `"Ana López" <ana.lopez@example.com>`, subject: "Do you have the blue cruiser in a medium?", id: "ana-1",
		body: "Hi! I saw the blue cruiser in your window. Do you have it in a medium frame?\n\nThanks,\nAna"},
	{pause: 700 * time.Millisecond, from: "Bob Stone <bob@example.org>", subject: "Automatic reply: Your order", id: "bob-ooo",
		headers: "Auto-Submitted: auto-replied\r\n",
		body:    "I am out of the office until Monday and will reply when I am back."},
	{pause: 700 * time.Millisecond, from: "Bike Parts Weekly <news@parts.example>", subject: "This week's deals", id: "news-1",
		headers: "List-Id: <deals.parts.example>\r\nList-Unsubscribe: <mailto:unsub@parts.example>\r\nPrecedence: bulk\r\n",
		body:    "50% off inner tubes!"},
	{pause: 700 * time.Millisecond, from: "Carla Ruiz <carla@example.net>", subject: "Kids' bike for my daughter?", id: "carla-2",
		body: "Hi Pam, my daughter turns 7 next month. What would you recommend?\nCarla"},
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
