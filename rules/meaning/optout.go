package meaning

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// WantsOptOut reports whether the sender's own words (pass OwnText output)
// ask to unsubscribe / stop / be removed, in English and the common European
// languages ("unsubscribe", "stop", "remove me", "take me off your list",
// "no more emails", "don't email me", "abmelden", "austragen", "keine
// E-Mails mehr", "désabonner", "désinscrire", "ne plus recevoir", "darse de
// baja", "no más correos", "cancellami", "disiscrivimi", "non voglio più
// ricevere", "descadastrar", "cancelar inscrição", "afmelden",
// "uitschrijven", "avregistrera", "wypisz", "odhlásit", ...), also as a
// one-word subject ("STOP", "Unsubscribe").
//
// To avoid false positives a bare keyword ("stop", "remove", "abmelden")
// only counts when it is (nearly) the whole subject or message; in a
// longer message it takes a request pattern ("please remove me from your
// list", "stop emailing me", "keine E-Mails mehr"). A pattern preceded
// closely by a negation ("I don't want to unsubscribe", "by mistake") does
// not count. Only the first 8 KiB of ownText are read.
func WantsOptOut(subject, ownText string) bool {
	if isOptOutCommand(stripReplyPrefix(clip(subject, 500))) {
		return true
	}
	own := clip(ownText, 8<<10)
	if isOptOutCommand(own) {
		return true
	}
	return hasOptOutRequest(strings.ToLower(own), false)
}

// hasOptOutRequest looks for a request pattern in lower. With full set it
// scans all of lower with every pattern; otherwise each pattern scans only
// the windows around its own stems, found once for all patterns.
func hasOptOutRequest(lower string, full bool) bool {
	var at map[string][]int
	if !full {
		at = stemPositions(lower)
	}
	for _, p := range optOutPatterns {
		windows := [][2]int{{0, len(lower)}}
		if !full {
			if windows = stemWindows(lower, p.stems, at); len(windows) == 0 {
				continue
			}
		}
		for _, w := range windows {
			for _, loc := range p.re.FindAllStringIndex(lower[w[0]:w[1]], 10) {
				start, end := w[0]+loc[0], w[0]+loc[1]
				if !negated(lower[:start]) && !laterRe.MatchString(lower[end:min(len(lower), end+40)]) {
					return true
				}
			}
		}
	}
	return false
}

// stemPositions returns where each stem occurs in lower (at most 50 times).
func stemPositions(lower string) map[string][]int {
	at := map[string][]int{}
	for _, stem := range optOutStems {
		for from := 0; from < len(lower) && len(at[stem]) < 50; {
			i := strings.Index(lower[from:], stem)
			if i < 0 {
				break
			}
			at[stem] = append(at[stem], from+i)
			from += i + len(stem)
		}
	}
	return at
}

// optOutPattern is one alternative of optOutSource with the stems its
// source contains.
type optOutPattern struct {
	re    *regexp.Regexp
	stems []string
}

// optOutPatterns splits optOutSource at its top-level "|": one small
// regexp each is far faster than the whole (Go pays a regexp's width at
// every byte, and small ones run on the backtracker), and each runs only
// around its own stems.
var optOutPatterns = splitAlternatives(optOutSource)

func splitAlternatives(src string) []optOutPattern {
	var out []optOutPattern
	depth, class, start := 0, false, 0
	add := func(piece string) {
		var stems []string
		for _, s := range optOutStems {
			if strings.Contains(piece, s) {
				stems = append(stems, s)
			}
		}
		out = append(out, optOutPattern{re: regexp.MustCompile(piece), stems: stems})
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			add(src[start:i])
			start = i + 1
		}
	}
	add(src[start:])
	return out
}

// optOutStems: every pattern of optOutSource contains one of these, a
// rare word or an object a request to stop mail has to name.
// TestStemWindowsFindWhatTheFullScanFinds keeps the two in step.
var optOutStems = []string{
	// English
	"unsubscri", "opt", "me off", "no more", "mail", "messag", "contact", "list", "newsletter", "database",
	"distribution", "sending", "writing", "write to", "spam", "marketing", "communication",
	// German
	"abmeld", "austrag", "abbestell", "tragen sie", "keine", "streichen", "entfernen", "löschen",
	"nicht mehr", "verteiler",
	// French
	"désabonn", "désinscri", "desinscri", "ne plus", "recevoir", "écrire", "moi", "arrêtez", "plus d",
	// Spanish
	"baja", "no más", "no quiero", "dejen de", "énme", "enme", "desuscrib",
	// Italian
	"cancella", "disiscriv", "non voglio", "smett", "rimuov", "togli",
	// Portuguese
	"descadastr", "inscrição", "não quero", "parem de", "remova", "removam",
	// Dutch
	"afmeld", "uitschrijv", "schrijf", "meld", "geen", "niet meer", "verwijder", "haal",
	// Scandinavian
	"avregistr", "avsluta", "avprenumer", "sluta skicka", "inga fler", "ta bort", "ikke flere", "fjern",
	// Polish, Czech, Slovak
	"wypis", "nie chcę", "usuń", "odhlás", "odhlas", "nechci", "odhláš",
}

// stemWindows returns the stretches of lower around the occurrences (at)
// of stems, widened to whitespace and merged: a pattern reaches at most
// about 100 bytes before its stem and 150 after.
func stemWindows(lower string, stems []string, at map[string][]int) [][2]int {
	var ws [][2]int
	for _, stem := range stems {
		for _, i := range at[stem] {
			start, end := max(0, i-120), min(len(lower), i+len(stem)+200)
			for start > 0 && !isSpaceByte(lower[start-1]) {
				start--
			}
			for end < len(lower) && !isSpaceByte(lower[end]) {
				end++
			}
			ws = append(ws, [2]int{start, end})
		}
	}
	if len(ws) < 2 {
		return ws
	}
	sort.Slice(ws, func(a, b int) bool { return ws[a][0] < ws[b][0] })
	merged := ws[:1]
	for _, w := range ws[1:] {
		if n := len(merged); w[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], w[1])
			continue
		}
		merged = append(merged, w)
	}
	return merged
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// isOptOutCommand reports whether s, as a whole, is an opt-out command:
// a few words made only of opt-out keywords and filler ("STOP", "Please
// unsubscribe me.", "Abmelden bitte", "STOP!!!").
func isOptOutCommand(s string) bool {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' && r != '-'
	})
	if len(words) == 0 || len(words) > 8 {
		return false
	}
	key := false
	for i := 0; i < len(words); i++ {
		w := words[i]
		if i+1 < len(words) && optOutKeywords[w+" "+words[i+1]] {
			key = true
			i++
			continue
		}
		switch {
		case optOutKeywords[w]:
			key = true
		case optOutFiller[w]:
		default:
			return false
		}
	}
	return key
}

// stripReplyPrefix removes "Re:", "AW:", "Fwd:" and similar prefixes.
func stripReplyPrefix(s string) string {
	for {
		t := strings.TrimSpace(s)
		loc := replyPrefixRe.FindStringIndex(t)
		if loc == nil {
			return t
		}
		s = t[loc[1]:]
	}
}

// negated reports whether the text just before a match negates it.
func negated(before string) bool {
	if len(before) > 30 {
		before = before[len(before)-30:]
		for len(before) > 0 && !utf8.RuneStart(before[0]) {
			before = before[1:]
		}
	}
	return negationRe.MatchString(before)
}

var (
	optOutKeywords = wordSet("stop", "stopp", "unsubscribe", "unsub", "remove", "optout", "opt-out", "opt out",
		"abmelden", "austragen", "abbestellen", "désabonner", "desabonner", "désinscrire", "desinscrire", "désabonnement",
		"désinscription", "desinscription", "baja", "cancellami", "cancellatemi", "disiscrivimi", "disiscrivi",
		"disiscrizione", "descadastrar", "descadastre", "descadastre-me", "afmelden", "uitschrijven", "avregistrera",
		"avsluta", "avprenumerera", "afmeld", "frameld", "wypisz", "wypisać", "odhlásit", "odhlásiť", "odhlaste",
		"unsubscribe me", "remove me", "take me off", "opt me out", "me désabonner", "me désinscrire", "darme de baja",
		"dar de baja", "de baja", "me descadastrar", "schrijf me uit", "meld me af", "mich abmelden", "me desuscribo",
		"desuscribir", "desuscribirme", "cancelar inscrição", "cancelar suscripción", "stop emails", "stop mails",
		"stop messages")
	optOutFiller = wordSet("please", "pls", "plz", "now", "thanks", "thank", "you", "thx", "me", "i", "want", "to", "from",
		"this", "the", "list", "mailing", "all", "emails", "email", "e-mails", "mails", "messages", "it", "immediately",
		"bitte", "danke", "mich", "sofort", "s'il", "vous", "plaît", "plait", "merci", "moi", "me", "por", "favor",
		"gracias", "per", "piacere", "grazie", "obrigado", "obrigada", "alstublieft", "aub", "graag", "bedankt", "tack",
		"tak", "proszę", "prosím", "je", "veux", "quiero", "voglio", "quero", "wil", "vill", "chcę", "ich", "möchte",
		"will", "newsletter", "it's", "ok", "okay", "yes", "ja", "oui", "sí", "si", "sim")
	replyPrefixRe = regexp.MustCompile(`(?i)^(?:re|aw|sv|vs|antw|odp|r|rif|fw|fwd|wg|tr|rv|enc|ynt)\s*(?:\[\d+\])?\s*[:：]`)
	negationRe    = regexp.MustCompile(`(?i)(?:\bnot|n't|n’t|\bnever|accidentally|by mistake|\bnicht|\bkein|versehentlich|` +
		`\bpas\b|par erreur|\bno quiero|sin querer|por error|\bnon\b|per errore|\bniet\b|per ongeluk|\binte\b|\bnie\b|omylem)[^.!?;\n]*$`)

	// laterRe matches a time qualifier after a match: "don't email me
	// before Tuesday" asks for a pause in a conversation, not an opt-out.
	laterRe = regexp.MustCompile(`(?i)^\s*(?:before|until|till|after|at (?:work|this)|this (?:week|month)|today|tomorrow|on (?:mon|tue|wed|thu|fri|sat|sun|the))`)

	// optOutRe matches explicit requests to stop mail, in a message of
	// any length.
	optOutSource = (`\bunsubscribe\b|\bopt me out\b|\bopt(?:-| )?out of (?:your |the |this |all |these |any )?(?:list|mailing|e-?mails|emails|newsletter|communications|marketing|messages)|` +
		`\b(?:remove|delete|take|get|drop|strike|erase)\s+(?:me|my (?:e-?mail|address|name|details))\b.{0,30}\b(?:off|from)\b.{0,40}\b(?:list|mailing|newsletter|database|emails?|e-mails?|contacts?|distribution)|` +
		`\b(?:remove|take|get) me off\b|` +
		`\bno more (?:e-?mails|emails|mails|messages|newsletters|marketing)\b|` +
		`\b(?:don'?t|do not|dont|never|stop|please stop|quit)\s+(?:e-?mailing|emailing|mailing|messaging|contacting|sending (?:me|us|any)|writing to|spamming)\b|` +
		`\b(?:don'?t|do not|never)\s+(?:e-?mail|email|mail|message|contact|write to)\s+(?:me|us)\b|` +
		`\b(?:i|we) (?:don'?t|do not) want (?:to receive |to get )?(?:any )?(?:more|further) (?:e-?mails|emails|mails|messages)|` +
		`\bstop (?:all )?(?:the )?(?:e-?mails|emails|mails|messages|newsletters|spam)\b|` +
		// German
		`\babmelden\b.{0,40}\b(?:newsletter|verteiler|liste|e-?mails?|mails?)|\b(?:newsletter|verteiler|liste|e-?mails?)\b.{0,40}\babmelden|` +
		`\b(?:mich|uns)\b.{0,40}\b(?:austragen|abbestellen)\b|\btragen sie (?:mich|uns)\b.{0,40}\baus\b|` +
		`\bkeine (?:weiteren )?(?:e-?mails|mails|nachrichten|newsletter|werbung) mehr\b|` +
		`\b(?:streichen|entfernen|löschen) sie mich\b|\bnicht mehr (?:kontaktieren|anschreiben|anmailen)\b|` +
		// French
		`désabonn|désinscri|desinscri|\bne (?:plus|pas) (?:recevoir|me contacter|m'écrire)|\bne (?:veux|souhaite) plus (?:recevoir|être contacté)|\bne plus rien recevoir|` +
		`\b(?:retirez|supprimez|enlevez|rayez)[- ]moi\b|\barrêtez de m'(?:envoyer|écrire)|\bplus d'e-?mails\b|` +
		// Spanish
		`\bdar(?:me|se)? de baja\b|\bno más (?:correos|e-?mails|mensajes)\b|\bno quiero recibir\b|` +
		`\bdejen de (?:enviarme|escribirme|mandarme)\b|\b(?:elimínenme|eliminenme|quítenme|quitenme|bórrenme|borrenme|sáquenme|saquenme)\b|` +
		`\bdesuscrib|` +
		// Italian
		`\bcancellami\b|\bcancellatemi\b|\bdisiscriv|\bnon voglio più ricevere\b|\bsmettete(?:la)? di (?:inviarmi|scrivermi|mandarmi)\b|` +
		`\b(?:rimuovetemi|toglietemi|rimuovimi|toglimi)\b|` +
		// Portuguese
		`\bdescadastr|\bcancelar (?:a )?inscrição\b|\bnão quero (?:mais )?receber\b|\bparem de me (?:enviar|mandar)\b|` +
		`\b(?:me remova|remova-me|removam-me|me removam)\b|` +
		// Dutch
		`\bafmelden\b.{0,40}\b(?:nieuwsbrief|lijst|mailing|e-?mails?)|\b(?:nieuwsbrief|lijst|mailing|e-?mails?)\b.{0,40}\bafmelden\b|` +
		`\buitschrijven\b|\bschrijf (?:me|mij) uit\b|\bmeld (?:me|mij) af\b|\bgeen (?:e-?mails|mails|berichten|nieuwsbrief) meer\b|` +
		`\bniet meer ontvangen\b|\bverwijder (?:me|mij)\b|\bhaal (?:me|mij) (?:van|uit)\b|` +
		// Scandinavian
		`\bavregistrera\b|\bavsluta (?:min )?prenumeration|\bavprenumerera|\bsluta skicka\b|\binga fler (?:mejl|mail|e-post)\b|` +
		`\bta bort mig\b|\bmeld meg av\b|\bmeld mig fra\b|\bikke flere (?:e-?mails|mails|e-post)\b|\bfjern mig\b|` +
		// Polish, Czech, Slovak
		`\bwypisz\b|\bwypisać|\bnie chcę (?:już )?otrzymywać|\busuń mnie\b|` +
		`\bodhlásit\b|\bodhlaste\b|\bodhlásiť|\bnechci (?:už )?dostávat\b|\bodhlášení`)
)

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
