package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// gen writes varied customer mail, deterministically from its seed: plain
// and long letters, UTF-8, Latin-1 and Japanese charsets, HTML-only,
// multipart/alternative, attachments up to a few hundred KB, owner
// forwards, auto-replies, complaints and newsletters.
type gen struct {
	r      *rand.Rand
	prefix string // makes Message-IDs unique per mailbox
	n      int
	// customers is how many distinct senders the messages come from.
	customers int
}

func newGen(seed uint64, prefix string, customers int) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), prefix: prefix, customers: customers}
}

var (
	firstNames = []string{"Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inès", "Jonas", "Kofi", "Lena",
		"Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Søren", "Tomás", "Uma", "Viktor", "Wen", "Yuki", "Zoë"}
	lastNames = []string{"Almeida", "Brooks", "Čapek", "Duarte", "Eriksen", "Fischer", "García", "Haddad", "Ito", "Jansen",
		"Kowalski", "Lefèvre", "Müller", "Nakamura", "O'Brien", "Petrov", "Rossi", "Schmidt", "Tanaka", "Novák"}
	products  = []string{"the blue city bike", "a 27.5\" trail wheel", "the kids' balance bike", "a rear rack", "winter tyres", "the e-bike battery", "a saddle", "a full service"}
	sentences = []string{
		"I was in the shop last week and one of your staff told me to write.",
		"Could you tell me whether it is in stock, and what it would cost with fitting?",
		"We are a family of four and mostly ride on weekends, sometimes on gravel.",
		"I would also like to know how long delivery takes to the north side of town.",
		"My old one lasted eight years, so I do not mind paying a bit more for quality.",
		"If it is easier, you can call me in the afternoon, but email is fine too.",
		"Do you offer a discount for students, or when buying two at once?",
		"The colour matters less than the size; I am about 1.78 m tall.",
		"I saw the model on your website but the page did not show a price.",
		"Thanks in advance, and sorry for the long message.",
	}
	latin1Sentences = []string{
		"Bonjour, je voudrais savoir si le vélo bleu est disponible en taille M.",
		"Können Sie mir sagen, ob das Fahrrad noch vorrätig ist? Grüße aus Köln.",
		"¿Tienen también cascos para niños? Muchas gracias por su atención.",
		"Ça serait pour un cadeau d'anniversaire, livré avant le 12 décembre.",
	}
	japaneseSentences = []string{
		"お世話になっております。青い自転車の在庫はありますか。",
		"来週の土曜日に店舗へ伺いたいのですが、試乗はできますか。",
		"価格と納期を教えていただけますと幸いです。よろしくお願いいたします。",
	}
)

// next returns the next message as CRLF-terminated bytes.
func (g *gen) next() []byte {
	g.n++
	c := g.r.IntN(g.customers)
	first, last := firstNames[c%len(firstNames)], lastNames[(c/len(firstNames))%len(lastNames)]
	addr := fmt.Sprintf("cust%06d@example.com", c)
	from := fmt.Sprintf("%q <%s>", first+" "+last, addr)
	h := &header{}
	h.add("From", from)
	h.add("To", "Acme Bikes <shop@example.test>")
	h.add("Date", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(g.n)*time.Minute).Format(time.RFC1123Z))
	h.add("Message-ID", fmt.Sprintf("<%s.%d.%d@mail.example.com>", g.prefix, g.n, g.r.Uint32()))
	h.add("MIME-Version", "1.0")
	product := products[g.r.IntN(len(products))]
	switch k := g.r.IntN(100); {
	case k < 30: // plain ASCII, short to long
		h.add("Subject", "Question about "+product)
		h.add("Content-Type", "text/plain; charset=us-ascii")
		return h.body(crlf(g.letter(first, 1+g.r.IntN(12))))
	case k < 38: // UTF-8, quoted-printable
		h.add("Subject", "=?utf-8?q?Fr=C3=A5ga_om_cykeln?=")
		h.add("Content-Type", "text/plain; charset=utf-8")
		h.add("Content-Transfer-Encoding", "quoted-printable")
		return h.body(qp(crlf("Hej! Jag undrar om cykeln finns kvar – och vad kostar en service?\n\n" + g.letter(first, 1+g.r.IntN(6)))))
	case k < 43: // ISO-8859-1, quoted-printable
		h.add("Subject", "=?iso-8859-1?q?Demande_d'information_v=E9lo?=")
		h.add("Content-Type", "text/plain; charset=iso-8859-1")
		h.add("Content-Transfer-Encoding", "quoted-printable")
		s := latin1Sentences[g.r.IntN(len(latin1Sentences))] + "\n\n" + latin1Sentences[g.r.IntN(len(latin1Sentences))] + "\n"
		enc, _ := charmap.ISO8859_1.NewEncoder().String(s)
		return h.body(qp(crlf(enc)))
	case k < 48: // Japanese, ISO-2022-JP, base64
		subj, _ := japanese.ISO2022JP.NewEncoder().String("お問い合わせ（自転車）")
		h.add("Subject", mime.BEncoding.Encode("ISO-2022-JP", subj))
		h.add("Content-Type", "text/plain; charset=ISO-2022-JP")
		h.add("Content-Transfer-Encoding", "base64")
		var s strings.Builder
		for i := 0; i < 1+g.r.IntN(5); i++ {
			s.WriteString(japaneseSentences[g.r.IntN(len(japaneseSentences))] + "\n")
		}
		enc, _ := japanese.ISO2022JP.NewEncoder().String(s.String())
		return h.body(b64([]byte(crlf(enc))))
	case k < 58: // HTML only
		h.add("Subject", "Enquiry: "+product)
		h.add("Content-Type", "text/html; charset=utf-8")
		return h.body(crlf(g.html(first, 1+g.r.IntN(10))))
	case k < 70: // multipart/alternative
		h.add("Subject", "Re: "+product+" price")
		b := fmt.Sprintf("alt-%d", g.n)
		h.add("Content-Type", `multipart/alternative; boundary="`+b+`"`)
		text := g.letter(first, 1+g.r.IntN(8))
		return h.body(crlf(fmt.Sprintf("--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n--%s\nContent-Type: text/html; charset=utf-8\n\n%s\n--%s--\n",
			b, text, b, g.html(first, 1+g.r.IntN(8)), b)))
	case k < 80: // multipart/mixed with an attachment of 4–300 KB
		h.add("Subject", "Photo of the broken part")
		b := fmt.Sprintf("mix-%d", g.n)
		h.add("Content-Type", `multipart/mixed; boundary="`+b+`"`)
		att := make([]byte, 4<<10+g.r.IntN(296<<10))
		for i := range att {
			att[i] = byte(g.r.Uint32())
		}
		return h.body(crlf(fmt.Sprintf("--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n--%s\nContent-Type: image/jpeg; name=\"part.jpg\"\nContent-Disposition: attachment; filename=\"part.jpg\"\nContent-Transfer-Encoding: base64\n\n%s--%s--\n",
			b, g.letter(first, 1+g.r.IntN(3)), b, b64(att), b)))
	case k < 86: // the owner forwards a customer's mail
		h.set("From", "Pam <owner@example.test>")
		// As the shop's receiving server stamps the owner's mail.
		h.add("Authentication-Results", "mx.bench.example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test")
		h.add("Subject", "Fwd: "+product)
		h.add("Content-Type", "text/plain; charset=utf-8")
		return h.body(crlf(fmt.Sprintf("Can you follow up on this one?\n\n---------- Forwarded message ---------\nFrom: %s <%s>\nDate: Mon, 2 Mar 2026 at 08:12\nSubject: %s\nTo: <owner@example.test>\n\n%s",
			first+" "+last, addr, product, g.letter(first, 1+g.r.IntN(4)))))
	case k < 91: // auto-reply
		h.add("Subject", "Automatic reply: your order")
		h.add("Auto-Submitted", "auto-replied")
		h.add("X-Autoreply", "yes")
		h.add("Content-Type", "text/plain; charset=utf-8")
		return h.body(crlf("I am out of the office until Monday and will read your message when I am back.\n"))
	case k < 95: // complaint
		h.add("Subject", "Very disappointed with my repair")
		h.add("Content-Type", "text/plain; charset=utf-8")
		return h.body(crlf("Hello,\n\nI am very disappointed: the bike came back from the repair with the brakes still broken. This is unacceptable and I want a refund.\n\n" + first + "\n"))
	case k < 98: // purchase confirmation forwarded by a customer
		h.add("Subject", "Order confirmation #"+fmt.Sprint(10000+g.n))
		h.add("Content-Type", "text/plain; charset=utf-8")
		return h.body(crlf("Hi, I just bought " + product + " and paid online. Order number " + fmt.Sprint(10000+g.n) + ". When will it ship?\n\n" + first + "\n"))
	default: // a newsletter
		h.set("From", "Cycling Weekly <news@list.example.org>")
		h.add("Subject", "This week in cycling")
		h.add("List-Id", "<weekly.list.example.org>")
		h.add("List-Unsubscribe", "<mailto:leave@list.example.org>")
		h.add("Precedence", "bulk")
		h.add("Content-Type", "text/html; charset=utf-8")
		return h.body(crlf(g.html("reader", 20+g.r.IntN(20))))
	}
}

// inquiry returns a short first-contact question from a sender no one
// else uses, as the latency measurement needs.
func inquiry(prefix string, i int) (raw []byte, addr string) {
	addr = fmt.Sprintf("%s-%04d@example.net", prefix, i)
	h := &header{}
	h.add("From", fmt.Sprintf("Lat Customer %d <%s>", i, addr))
	h.add("To", "Acme Bikes <shop@example.test>")
	h.add("Date", time.Now().Format(time.RFC1123Z))
	h.add("Message-ID", fmt.Sprintf("<%s.%d.%d@mail.example.net>", prefix, i, time.Now().UnixNano()))
	h.add("MIME-Version", "1.0")
	h.add("Subject", "Do you have the blue city bike in stock?")
	h.add("Content-Type", "text/plain; charset=utf-8")
	return h.body(crlf("Hello,\n\nDo you have the blue city bike in size M in stock, and what does it cost?\n\nThanks,\nLat\n")), addr
}

func (g *gen) letter(first string, paras int) string {
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	for i := 0; i < paras; i++ {
		for j := 0; j < 2+g.r.IntN(4); j++ {
			b.WriteString(sentences[g.r.IntN(len(sentences))])
			b.WriteByte(' ')
		}
		b.WriteString("\n\n")
	}
	b.WriteString("Best regards,\n" + first + "\n")
	return b.String()
}

func (g *gen) html(first string, paras int) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><style>p{font-family:Arial}</style></head><body><div>Hello,</div>\n")
	for i := 0; i < paras; i++ {
		b.WriteString("<p>")
		for j := 0; j < 2+g.r.IntN(4); j++ {
			b.WriteString("<span>" + sentences[g.r.IntN(len(sentences))] + "</span> ")
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("<table><tr><td>Best regards,<br><b>" + first + "</b></td></tr></table></body></html>\n")
	return b.String()
}

type header struct{ lines [][2]string }

func (h *header) add(k, v string) { h.lines = append(h.lines, [2]string{k, v}) }

func (h *header) set(k, v string) {
	for i := range h.lines {
		if h.lines[i][0] == k {
			h.lines[i][1] = v
			return
		}
	}
	h.add(k, v)
}

func (h *header) body(body string) []byte {
	var b bytes.Buffer
	for _, l := range h.lines {
		b.WriteString(l[0] + ": " + l[1] + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.Bytes()
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// b64 encodes p in lines of 76 characters, CRLF-terminated.
func b64(p []byte) string {
	s := base64.StdEncoding.EncodeToString(p)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}
