package inbox

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fieldKind is what a "Label: value" line of a forwarded header block holds,
// as far as the label is known. Unknown labels are resolved by structure.
type fieldKind int

const (
	kindUnknown fieldKind = iota
	kindFrom
	kindTo
	kindCc
	kindDate
	kindSubject
	kindOther // known, but none of the above (Importance, Reply-To, ...)
)

// knownLabels maps lower-cased header labels, as mail clients write them in
// forwarded header blocks, to their kind. The list only helps: blocks with
// labels it lacks are still found by structure.
var knownLabels = buildLabels(map[fieldKind][]string{
	kindFrom: {
		"from", "von", "de", "da", "van", "od", "fra", "från", "frå", "frá", "lähettäjä", "feladó",
		"от", "от кого", "від", "відправник", "kimden", "gönderen", "发件人", "發件人", "寄件者", "寄件人",
		"差出人", "送信者", "보낸 사람", "보낸사람", "από", "αποστολέας", "de la", "expeditor", "nadawca",
		"mittente", "remitente", "expéditeur", "absender", "afzender", "avsändare", "afsender",
		"avsender", "odesílatel", "odosielateľ", "pošiljatelj", "pošiljalec", "šalje", "saatja",
		"siuntėjas", "sūtītājs", "dari", "pengirim", "từ", "người gửi", "จาก", "من", "מאת", "sender",
		"mailed-by", "od koga", "подател", "від кого", "lähettäjä/from",
	},
	kindTo: {
		"to", "an", "à", "a", "para", "aan", "til", "till", "do", "komu", "vastaanottaja", "címzett",
		"кому", "до", "kime", "alıcı", "收件人", "收件者", "宛先", "받는 사람", "받는사람", "προς", "către",
		"pour", "destinatario", "destinataire", "empfänger", "mottagare", "modtager", "mottaker",
		"adresat", "adresát", "prejemnik", "primatelj", "saaja", "gavėjas", "kepada", "đến", "ถึง",
		"إلى", "אל", "recipient", "recipients", "destinatarios", "destinatari",
	},
	kindCc: {
		"cc", "bcc", "kopie", "kopie (cc)", "copie", "copie à", "cópia", "copia", "cópia para", "kopio",
		"másolat", "másolatot kap", "копия", "копія", "bilgi", "抄送", "副本", "参照", "참조", "κοιν",
		"κοιν.", "κοινοποίηση", "dw", "kopia", "kópia", "skrytá kopie", "cc/bcc", "ccn", "bcc/ccn",
		"reply-to", "antwort an", "répondre à", "responder a", "rispondi a", "odpověď na",
	},
	kindDate: {
		"date", "sent", "datum", "gesendet", "fecha", "enviado", "enviada", "data", "envoyé", "envoyé le",
		"inviato", "verzonden", "wysłano", "data wysłania", "odesláno", "datum odeslání", "skickat",
		"sendt", "lähetetty", "päivämäärä", "päiväys", "elküldve", "dátum", "küldve", "отправлено",
		"дата", "надіслано", "送信日時", "日付", "日期", "发送时间", "發送時間", "寄件日期", "时间",
		"時間", "날짜", "보낸 날짜", "gönderildi", "gönderilme tarihi", "tarih", "στάλθηκε",
		"ημερομηνία", "trimis", "dată", "data trimiterii", "poslano", "poslano dne", "odoslané",
		"saadetud", "išsiųsta", "nosūtīts", "dikirim", "tanggal", "đã gửi", "ngày", "ส่ง",
		"التاريخ", "تاريخ الإرسال", "נשלח", "תאריך", "sent at", "datum verzonden",
	},
	kindSubject: {
		"subject", "betreff", "objet", "sujet", "asunto", "oggetto", "assunto", "onderwerp", "emne",
		"ämne", "aihe", "temat", "předmět", "тема", "件名", "主题", "主旨", "主題", "제목", "konu",
		"θέμα", "subiect", "tárgy", "predmet", "tema", "naslov", "teema", "tópico", "perihal",
		"chủ đề", "เรื่อง", "الموضوع", "נושא", "subj",
	},
	kindOther: {
		"importance", "priority", "wichtigkeit", "priorität", "importancia", "importanza",
		"attachments", "attachment", "anlagen", "anhänge", "pièces jointes", "adjuntos", "allegati",
		"bijlagen", "anexos", "załączniki", "přílohy", "bilagor", "liitteet", "mellékletek",
		"вложения", "添付ファイル", "附件", "첨부", "ekler", "συνημμένα", "ataşamente",
		"tags", "categories", "kategorien", "message-id", "in-reply-to", "references",
	},
})

func buildLabels(m map[fieldKind][]string) map[string]fieldKind {
	out := make(map[string]fieldKind)
	for k, labels := range m {
		for _, l := range labels {
			out[l] = k
		}
	}
	return out
}

// labelKind classifies a header label.
func labelKind(label string) fieldKind {
	l := strings.ToLower(strings.Join(strings.Fields(label), " "))
	return knownLabels[l]
}

// forwardPrefixes and replyPrefixes are lower-cased subject prefixes (the
// part before the colon) that mail clients add when forwarding or replying.
var forwardPrefixes = setOf(
	"fwd", "fw", "fwrd", "wg", "tr", "trs", "rv", "i", "enc", "env", "doorst", "vs", "vb", "vl",
	"pd", "tov", "továbbítás", "ilt", "i̇lt", "İlt", "pr", "prosl", "přeposl", "preposl", "vid",
	"vidarebefordrat", "videresend", "wtr", "weiterleitung", "пересл", "переслано", "fwd",
	"转发", "轉寄", "転送", "전달", "προωθ", "πρθ", "redirecționat", "ilet", "iletildi", "fs",
	"ynt:fwd", "inoltro", "reenviar", "trans", "doorgestuurd",
)

var replyPrefixes = setOf(
	"re", "aw", "sv", "antw", "r", "rif", "ris", "res", "odp", "odg", "vá", "ynt", "yan", "отв",
	"ответ", "回复", "回覆", "答复", "返信", "답장", "회신", "απ", "σχετ", "rép", "rs", "vs:re",
)

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[strings.ToLower(v)] = true
	}
	return m
}

type subjectKind int

const (
	subjectPlain subjectKind = iota
	subjectForward
	subjectReply
)

// subjectPrefix reports whether subject starts with a forward or a reply
// prefix (the first prefix decides: "Fwd: Re: x" is a forward) and returns
// the subject with leading forward prefixes removed. Leading bracketed tags
// such as "[EXTERNAL]" are skipped.
func subjectPrefix(subject string) (subjectKind, string) {
	s := strings.TrimSpace(subject)
	kind := subjectPlain
	stripped := s
	for range 8 {
		rest := strings.TrimSpace(s)
		if strings.HasPrefix(rest, "[") {
			if i := strings.IndexByte(rest, ']'); i > 0 && i < 40 {
				rest = strings.TrimSpace(rest[i+1:])
			}
		}
		p, after, ok := cutPrefix(rest)
		if !ok {
			break
		}
		if forwardPrefixes[p] {
			if kind == subjectPlain {
				kind = subjectForward
			}
			s, stripped = after, after
			continue
		}
		if replyPrefixes[p] && kind == subjectPlain {
			kind = subjectReply
		}
		break
	}
	return kind, stripped
}

// cutPrefix splits "Fwd: x", "FW[2]: x" or "转发：x" into the lower-cased
// prefix and the rest.
func cutPrefix(s string) (prefix, rest string, ok bool) {
	i := strings.IndexAny(s, ":：")
	if i <= 0 || i > 40 {
		return "", "", false
	}
	p := strings.TrimSpace(s[:i])
	if j := strings.IndexAny(p, "[("); j > 0 {
		p = strings.TrimSpace(p[:j])
	}
	if p == "" || strings.ContainsFunc(p, unicode.IsSpace) {
		return "", "", false
	}
	_, size := firstRune(s[i:])
	return strings.ToLower(p), strings.TrimSpace(s[i+size:]), true
}

func firstRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// forwardStems are word stems of "forward" in separator captions ("Begin
// forwarded message", "Weitergeleitete Nachricht", ...). They are only
// needed to accept a forward inside a mail whose subject says it is a
// reply.
var forwardStems = []string{
	"forward", "weiterge", "transf", "réexp", "reexp", "transmis", "reenv", "inoltr", "doorgest",
	"encaminh", "przekaz", "přeposl", "preposl", "vidarebefordr", "videresend", "videreb",
	"välitet", "továbbít", "пересл", "转发", "轉寄", "転送", "전달", "προωθ", "redirecț", "iletil",
	"edasi", "persiųst", "pārsūt", "diteruskan", "chuyển tiếp", "doorgestuurd",
}

func hasForwardStem(s string) bool {
	l := strings.ToLower(s)
	for _, st := range forwardStems {
		if strings.Contains(l, st) {
			return true
		}
	}
	return false
}
