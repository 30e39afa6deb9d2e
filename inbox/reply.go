package inbox

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxOwnTextInput caps how much text OwnText reads; a reply's own words
// come first.
const maxOwnTextInput = 256 << 10

// OwnText returns the part of a reply's text the sender wrote themselves:
// quoted lines ("> "), the quoted original below an attribution line ("On
// Mon, 2 Mar 2026, Pam <x> wrote:", "Am ... schrieb ...:", "Le ... a écrit
// :", "El ... escribió:", "Il ... ha scritto:", "Em ... escreveu:", "Op ...
// schreef ...:", "-----Original Message-----", Outlook's "From: ... Sent:
// ..." header block, "________________________________" separators, Gmail's
// "---------- Forwarded message" etc.), and the signature (below "-- " line,
// "Sent from my iPhone", "Von meinem iPhone gesendet", "Envoyé de mon
// iPhone", "Get Outlook for iOS", ...) are removed.
//
// Text between quoted blocks (an interleaved reply) is kept. Lines keep
// their order; trailing spaces, runs of blank lines and blank lines at
// either end are dropped. The result is valid UTF-8; only the first 256
// KiB of text are read.
func OwnText(text string) string {
	text = capString(text, maxOwnTextInput)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, ">") {
			continue
		}
		if n := attributionAt(lines, i); n > 0 {
			if quoteFollows(lines, i+n) {
				// Quoted original below, maybe with answers in between:
				// drop the attribution and keep reading.
				i += n - 1
				continue
			}
			break
		}
		if strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") {
			// "2026年3月2日 10:00 Pam <pam@x>:" above a quote, in any
			// language: an address, a digit and a colon.
			if len(t) < 400 && strings.Contains(t, "@") && strings.ContainsAny(t, "0123456789") && quoteFollows(lines, i+1) {
				continue
			}
		}
		if separatorRe.MatchString(t) || signatureStart(lines[i], t) || headerBlockAt(lines, i) {
			break
		}
		out = append(out, strings.TrimRight(lines[i], " \t\u00a0"))
	}
	return tidyLines(cutDisclaimer(out))
}

// cutDisclaimer drops a legal disclaimer at the end of a message and all
// that follows it: a paragraph after the first one that says, in any of
// the common languages, at least three of the things disclaimers say
// (confidential, intended recipient, received in error, liability,
// viruses, company registration). Its "damage", "loss" and "error" are
// not the customer's words.
func cutDisclaimer(lines []string) []string {
	start, seenText := 0, false
	// Disclaimers close a message: only its last few KiB are looked at.
	tail, size := len(lines), 0
	for tail > 0 && size < disclaimerTail {
		tail--
		size += len(lines[tail]) + 1
	}
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			continue
		}
		// lines[start:i] is a paragraph.
		if i > start {
			if seenText && start >= tail {
				para := strings.ToLower(strings.Join(lines[start:i], " "))
				if len(para) <= disclaimerTail && disclaimerMarks(para) >= 3 {
					return lines[:start]
				}
			}
			seenText = true
		}
		start = i + 1
	}
	return lines
}

// disclaimerTail is how much of the end of a message may be a disclaimer.
const disclaimerTail = 4 << 10

// disclaimerMarks counts the different disclaimer phrases in a paragraph.
func disclaimerMarks(para string) int {
	n := 0
	for _, m := range disclaimerMarkers {
		if strings.Contains(para, m) {
			n++
		}
	}
	return n
}

var disclaimerMarkers = []string{
	// en
	"confidential", "intended recipient", "intended solely", "intended only", "privileged", "disclaimer", "liability",
	"liable", "virus", "received this", "in error", "notify the sender", "delete this", "registered in", "company number",
	"registered office", "views or opinions", "unauthorised", "unauthorized",
	// de
	"vertraulich", "empfänger", "irrtümlich", "haftung", "weitergabe", "handelsregister", "amtsgericht", "geschäftsführer",
	"ust-id", "unbefugt",
	// fr
	"confidentiel", "destinataire", "par erreur", "responsabilité", "siret", "rcs ", "strictement interdit",
	// es, pt, it
	"confidencial", "destinatario", "destinatário", "por error", "por engano", "responsabilidad", "responsabilidade",
	"protección de datos", "proteção de dados", "riservat", "per errore", "responsabilità", "partita iva", "p.iva",
	"destinatari", "cnpj", "nif ", "confidenciais", "responsabiliza", "destinam-se", "remetente",
	"aviso legal",
	// nl
	"vertrouwelijk", "geadresseerde", "abusievelijk", "aansprakelijk", "kvk", "uitsluitend bestemd", "onterecht ontvangt",
	"onterecht ontvangen", "te verwijderen",
	// "intended for" in the other languages
	"ausschließlich für", "bestimmt für", "destiné", "destinado", "destinato", "przeznaczon", "avsedd", "beregnet for",
	// pl
	"poufn", "adresat", "omyłkowo", "odpowiedzialności", "nip:", "krs", "regon", "usunięcie", "usunąć", "nie odpowiada za",
	// sv, da, nb
	"konfidentiell", "mottagare", "av misstag", "fortrolig", "modtager", "ved en fejl", "konfidensiell", "mottaker",
	"ved en feil", "org.nr", "cvr", "ansvar for",
}

// attributionAt returns how many lines (1 to 3) starting at i form an
// attribution line such as "On Mon, 2 Mar 2026 at 10:00, Pam <pam@x>
// wrote:", or 0.
func attributionAt(lines []string, i int) int {
	joined := ""
	for n := 1; n <= 3 && i+n <= len(lines); n++ {
		l := strings.TrimSpace(lines[i+n-1])
		if l == "" || strings.HasPrefix(l, ">") {
			return 0
		}
		joined = strings.TrimSpace(joined + " " + l)
		if len(joined) > 500 {
			return 0
		}
		if !strings.HasSuffix(joined, ":") && !strings.HasSuffix(joined, "：") {
			continue
		}
		if attributionRe.MatchString(joined) && strings.ContainsAny(joined, "0123456789@") ||
			isoAttributionRe.MatchString(joined) {
			if first := strings.TrimSpace(lines[i]); n > 1 && (endsSentence(first) || !strings.ContainsAny(first, "0123456789@")) {
				for k := 1; k < n; k++ {
					if l := strings.TrimSpace(lines[i+k]); attributionRe.MatchString(l) && strings.ContainsAny(l, "0123456789") {
						// A whole dated attribution starts on a later
						// line, and lines[i] does not read like the
						// start of one: it is the customer's ("...by
						// Saturday." "Tom" "On Mon, 16 Nov 2026 ...
						// wrote:"). "On Mon, 16 Nov 2026 at" / "09:02,
						// Shop <...> wrote:" is one wrapped attribution.
						return 0
					}
				}
			}
			return n
		}
	}
	return 0
}

// quoteFollows reports whether the first non-blank line at or after i
// is quoted with ">".
func quoteFollows(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i]); t != "" {
			return strings.HasPrefix(t, ">")
		}
	}
	return false
}

// signatureStart reports whether line starts a signature: the "-- "
// delimiter or a mobile client's "Sent from my iPhone" line.
func signatureStart(line, trimmed string) bool {
	if trimmed == "--" || line == "-- " || trimmed == "—" {
		return true
	}
	return len(trimmed) < 100 && mobileSigRe.MatchString(trimmed)
}

// headerBlockAt reports whether lines[i] starts a quoted message's
// header block as Outlook and forwarding clients write it: "From:"
// followed within a few lines by other header labels (Sent, Date, To,
// Subject, in many languages).
func headerBlockAt(lines []string, i int) bool {
	t := strings.TrimSpace(lines[i])
	if !fromLabelRe.MatchString(t) {
		return false
	}
	need := 2
	if strings.ContainsAny(t, "@<") {
		need = 1
	}
	found := 0
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		if otherLabelRe.MatchString(strings.TrimSpace(lines[j])) {
			found++
			if found >= need {
				return true
			}
		}
	}
	return false
}

// tidyLines joins lines, dropping runs of blank lines and blank lines at
// either end.
func tidyLines(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteString("\n")
			blank = false
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(l)
	}
	return b.String()
}

var (
	attributionRe = regexp.MustCompile(`(?i)(?:\bwrote|\bschrieb|\ba écrit|\bescribió|\bescribio|\bha scritto|\bescreveu|` +
		`\bschreef|\bskrev|\bnapisał\(a\)|\bnapisała?|\bnapsala?|\bkirjoitti|писала?|написала?|\byazdı|έγραψε|\bírta|` +
		`\ba scris|\bscrie|\bkaže|\bpíše|写道|寫道|書きました|작성)[^\n]{0,120}[:：]\s*$`)

	// isoAttributionRe matches Gmail's dated attribution without a verb:
	// "2026-03-02 10:00 GMT+01:00 Pam Smith <pam@example.com>:".
	isoAttributionRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} .{0,200}<[^<>\s]+@[^<>\s]+>:\s*$`)

	separatorRe = regexp.MustCompile(`(?i)^(?:[-=_*]{2,}\s*(?:original message|original nachricht|ursprüngliche nachricht|` +
		`message d'origine|message original|mensaje original|messaggio originale|mensagem original|oorspronkelijk bericht|` +
		`originalmeddelande|ursprungligt meddelande|opprinnelig melding|oprindelig meddelelse|alkuperäinen viesti|` +
		`wiadomość oryginalna|oryginalna wiadomość|původní zpráva|исходное сообщение|orijinal mesaj|原始邮件|原始郵件|元のメッセージ|원본 메시지|` +
		`forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|` +
		`mensagem encaminhada|mensagem reencaminhada|doorgestuurd bericht|vidarebefordrat meddelande|videresendt melding|` +
		`videresendt meddelelse|przekazana wiadomość|přeposlaná zpráva|välitetty viesti|пересылаемое сообщение|` +
		`iletilen mesaj|转发的邮件|轉寄的郵件|転送されたメッセージ|전달된 메시지)\s*[-=_*]*|` +
		`_{10,}|-{20,}|` +
		`begin forwarded message:|anfang der weitergeleiteten nachricht:|début du message réexpédié\s*:|` +
		`inicio del mensaje reenviado:|inizio messaggio inoltrato:|início da mensagem reencaminhada:|` +
		`begin doorgestuurd bericht:|vidarebefordrat brev:|videresendt besked:)$`)

	mobileSigRe = regexp.MustCompile(`(?i)^(?:sent from|sent with|sent via|sent using|get outlook for|envoyé de|envoyé depuis|` +
		`enviado desde|enviado de|enviado do|enviado a partir|inviato da|von meinem|gesendet von|gesendet mit|` +
		`verzonden (?:vanaf|met|via)|skickat från|sendt fra|wysłane z|odesláno z|lähetetty|отправлено с|` +
		`iphone'?dan gönderildi|从我的|從我的|iphoneから送信)`)

	fromLabelRe = regexp.MustCompile(`(?i)^\*{0,2}(?:from|von|de|da|van|från|fra|od|lähettäjä|от|kimden|feladó|από|` +
		`发件人|寄件者|差出人|보낸 사람)\*{0,2}\s*[:：]`)

	otherLabelRe = regexp.MustCompile(`(?i)^\*{0,2}(?:sent|gesendet|envoyé|enviado|enviada|inviato|verzonden|skickat|sendt|` +
		`wysłano|wysłane|odesláno|lähetetty|отправлено|gönderildi|elküldve|στάλθηκε|发送时间|傳送時間|送信日時|보낸 날짜|` +
		`date|datum|data|fecha|tarih|dátum|päivämäärä|дата|to|an|à|a|para|aan|till|til|do|komu|vastaanottaja|кому|` +
		`cc|subject|betreff|objet|asunto|oggetto|assunto|onderwerp|ämne|emne|temat|předmět|aihe|тема|konu|tárgy|` +
		`收件人|主题|主旨|件名|받는 사람|제목)\*{0,2}\s*[:：]`)
)

// endsSentence reports a line that ends a sentence: . ! or ?.
func endsSentence(line string) bool {
	return strings.HasSuffix(line, ".") || strings.HasSuffix(line, "!") || strings.HasSuffix(line, "?")
}
