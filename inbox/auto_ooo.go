package inbox

import (
	"regexp"
	"strings"
)

// Out-of-office subjects: strong phrases may start a subject followed by
// a colon or bracket ("Automatic reply: Your order"); weak words only
// count as the whole subject, in brackets, or before a colon and a reply
// prefix ("Absence: Re: Your order").
const (
	oooStrong = `out of (?:the )?office(?: auto-?reply)?|ooo|automatic reply|auto[ -]?reply|auto[ -]?response|automatic response|` +
		`vacation (?:reply|notice|message|response)|away from (?:the )?office|abwesenheitsnotiz|automatische (?:antwort|rückantwort)|` +
		`abwesenheitsmeldung|nicht im büro|réponse automatique|respuesta automática|respuesta automatica|fuera de (?:la )?oficina|` +
		`risposta automatica|fuori sede|fuori ufficio|resposta automática|resposta automatica|fora do escritório|` +
		`automatisch antwoord|niet op kantoor|autosvar|automatiskt svar|poza biurem|odpowiedź automatyczna|automatyczna odpowiedź|` +
		`automatická odpověď|mimo kancelář|automaattinen vastaus|автоматический ответ|автоответ|нет в офисе|` +
		`自動応答|自動返信|自动回复|自動回覆|자동 응답|자동응답|부재중|otomatik yanıt|otomatik cevap|ofis dışında|` +
		`automatikus válasz|házon kívül|αυτόματη απάντηση|răspuns automat|automatski odgovor|samodejni odgovor`
	oooWeak = `vacation|on vacation|holiday|absence|absent|absente|abwesend|abwesenheit|ausente|ausencia|assente|` +
		`afwezig|afwezigheid|frånvaro|frånvarande|fravær|fraværende|nieobecność|nepřítomnost|poissa|poissaolo|不在|` +
		`urlaub|vacances|congés|vacaciones|ferie|férias|vakantie|semester|ferie`
)

var (
	oooSubjectRe = regexp.MustCompile(`(?i)^\s*(?:` + oooStrong + `)\s*(?:$|[:：\-–(\[])|` +
		`[\[(]\s*(?:` + oooStrong + `|` + oooWeak + `)\s*[\])]|` +
		`^\s*(?:` + oooWeak + `)\s*(?:$|[:：]\s*(?:re|aw|sv|rv|r|fw|fwd|tr|wg|antw|odp|vs|ynt)\s*[:：])`)

	oooBodyRe = regexp.MustCompile(`(?i)\b(?:i am|i'm|i’m|im)\s+(?:currently\s+|now\s+|presently\s+)?(?:out of (?:the )?office|away|` +
		`on (?:annual |parental |sick |maternity |paternity |business )?(?:leave|vacation|holiday|holidays|a business trip)|out of town|off work)|` +
		`\bi (?:will|shall) be (?:out of (?:the )?office|away|on (?:leave|vacation|holiday))|` +
		`\b(?:i will|i'll|i’ll) (?:be back|return) (?:on|in|to the office|at the office)|` +
		`\bwith limited access to (?:e-?mail|my e-?mail)|\bout of (?:the )?office (?:until|till|through|from)\b|` +
		`\bich bin\b.{0,60}\b(?:nicht im büro|abwesend|im urlaub|nicht erreichbar|außer haus)|\bab\b.{0,40}\bwieder (?:im büro|erreichbar)|` +
		`\bje suis (?:actuellement )?(?:absente?|en congés?|en vacances|hors du bureau|en déplacement)|\bje serai de retour\b|` +
		`\bestoy (?:actualmente )?(?:fuera de la oficina|de vacaciones|ausente)|\bestaré de vuelta\b|` +
		`\bsono (?:attualmente )?(?:fuori (?:ufficio|sede)|in ferie|assente|in vacanza)|\bsarò di nuovo in ufficio|` +
		`\bestou (?:atualmente )?(?:fora do escritório|de férias|ausente)|\bestarei de volta\b|` +
		`\bik ben\b.{0,40}\b(?:afwezig|niet op kantoor|met vakantie|op vakantie)|` +
		`\bjag är\b.{0,40}\b(?:ledig|borta|på semester|inte på kontoret|tjänstledig)`)

	customerSignalRe = regexp.MustCompile(`(?i)\?|\b(?:invoice|order|refund|resend|send me|price|quote|booking|parcel|package|` +
		`rechnung|bestellung|facture|commande|factura|pedido|fattura|ordine|fatura|encomenda|factuur|bestelling|faktura|beställning)`)

	readSubjectRe = regexp.MustCompile(`(?i)^\s*(?:read|not read|gelesen|ungelesen|nicht gelesen|lu|non lu|leído|leido|no leído|` +
		`letto|non letto|gelezen|niet gelezen|lido|não lido|läst|ej läst|læst|lest|przeczytana|przeczytano|přečteno|` +
		`luettu|прочитано|прочитан|okundu|已读|已讀|開封済み|읽음|return receipt|lesebestätigung)\s*[:：]`)

	readBodyRe = regexp.MustCompile(`(?im)was read on|^\s*disposition:|wurde am .{0,60}gelesen|gelesen am|a été lu|fue leído|` +
		`è stato letto|is gelezen|foi lido|lästes|return receipt|lesebestätigung|accusé de lecture|` +
		`confirmación de lectura|conferma di lettura|displayed`)

	calendarSubjectRe = regexp.MustCompile(`(?i)^\s*(?:accepted|declined|tentative|tentatively accepted|angenommen|abgelehnt|` +
		`mit vorbehalt angenommen|vorläufig angenommen|accepté|refusé|provisoire|aceptado|rechazado|provisional|accettato|` +
		`rifiutato|provvisorio|geaccepteerd|geweigerd|voorlopig|aceito|recusado|accepterad|avböjd|preliminär|zaakceptowano|` +
		`odrzucono|přijato|odmítnuto|hyväksytty|hylätty|принято|отклонено|承諾|辞退|已接受|已拒绝)\s*[:：]`)
)

// outOfOfficeSubject reports whether a subject is an out-of-office or
// automatic reply's.
func outOfOfficeSubject(subject string) bool {
	return oooSubjectRe.MatchString(capString(subject, 1000))
}

// outOfOfficeBody reports whether the sender's own text reads as an
// out-of-office notice and nothing else: a short message in the present
// or future tense about being away, with no question and no word of
// business (order, invoice, ...).
func outOfOfficeBody(m *Message) bool {
	own := OwnText(capString(m.Text, 16<<10))
	if len(own) > 1500 || customerSignalRe.MatchString(own) {
		return false
	}
	return oooBodyRe.MatchString(capString(own, 800))
}

// calendarResponse reports whether m answers a meeting invitation: an
// "Accepted:"/"Declined:" subject with a calendar part.
func calendarResponse(m *Message) bool {
	if !calendarSubjectRe.MatchString(m.Subject) {
		return false
	}
	ct := strings.ToLower(m.Header.Get("Content-Type"))
	if strings.Contains(ct, "text/calendar") || strings.Contains(ct, "method=reply") {
		return true
	}
	for _, a := range m.Attachments {
		if a.ContentType == "text/calendar" || a.ContentType == "application/ics" {
			return true
		}
	}
	return strings.Contains(capString(m.Text, 64<<10), "METHOD:REPLY")
}
