package inbox

import (
	"regexp"
	"strings"
)

// maxBounceText caps how much of a bounce's text is scanned.
const maxBounceText = 64 << 10

var (
	// addrRe matches an email address in running text; the domain needs
	// a dot.
	addrRe = regexp.MustCompile(`[\p{L}\p{N}!#$%&'*+/=?^_{|}~.-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?)+`)

	// originalRe matches the line where a bounce starts quoting the
	// returned message (or its headers).
	originalRe = regexp.MustCompile(`(?im)^[ \t]*(?:-{2,}[ \t]*)?(?:this is a copy of the message|` +
		`below this line is a copy of the message|original message headers|original message follows|` +
		`unsent message follows|message header follows|the header of the original message|` +
		`returned message|original message\b|copy of the original message|ursprüngliche nachricht|` +
		`kopf der (?:ursprünglichen|originalen) nachricht|en-têtes du message d'origine|message d'origine|` +
		`encabezados del mensaje original|intestazioni del messaggio originale|` +
		`kopteksten van (?:het )?oorspronkelijke? bericht|cabeçalhos da mensagem original|` +
		`message headers follow|the header of the original message is following|` +
		`below is a copy of the original message|original mail as follows|the attachment contains the original mail headers)|` +
		`^(?:Received|Return-Path|DKIM-Signature|X-Original-To|Delivered-To):[ \t]`)

	// headerLineRe matches a header field line of a returned message.
	headerLineRe = regexp.MustCompile(`(?i)^[ \t]*(?:from|to|cc|bcc|sender|reply-to|return-path|message-id|` +
		`in-reply-to|references|received|delivered-to|envelope-to|x-[a-z0-9-]+|dkim-signature|list-[a-z-]+|` +
		`authentication-results|arc-[a-z-]+|von|an|de|à|para|da|a|van|aan|` +
		`original[ -]sender|sender-mta|remote-mta|reporting-mta)[ \t]*:`)

	fromLineRe = regexp.MustCompile(`(?im)^[ \t]*(?:from|sender|reply-to|return-path)[ \t]*:.*$`)

	mailFromRe = regexp.MustCompile(`(?i)mail from:|envelope-from|return-path`)

	// sectionRe matches the line that introduces a list of failed
	// addresses; the addresses follow on the next lines. Group 1 is set
	// when the section lists temporary failures.
	sectionRe = regexp.MustCompile(`(?i)(the following addresses? had transient non-fatal errors|` +
		`delivery is delayed to these recipients or groups|delivery to the following recipients? (?:has been|is) delayed|` +
		`addresse?s? to which the message has not yet been delivered)|` +
		`following address(?:\(es\)|es)? failed|the following addresses? had permanent fatal errors|` +
		`delivery has failed to these recipients or groups|following recipient\(s\) cannot be reached|` +
		`did not reach the following recipient|delivery to the following recipients? failed|` +
		`was not delivered to:|was undeliverable to the following|` +
		`following recipients? (?:cannot|could not) be delivered|could not be delivered to the following|` +
		`unable to deliver (?:your )?message to the following address|` +
		`following addresses? had delivery (?:problems|errors)|the following recipients were affected|` +
		`each of the following recipients was rejected|recipient addresses that were incorrectly constructed|` +
		`以下のメールアドレスへの送信に失敗しました|failed recipient\(s\):|` +
		`die zustellung an folgende empf[äa]nger oder gruppen ist fehlgeschlagen|` +
		`wurde nicht zugestellt an|konnte nicht zugestellt werden an|folgende(?:n)? empf[äa]nger|` +
		`la remise [àa] ces destinataires ou groupes a [ée]chou[ée]|n'a pas [ée]t[ée] remis [àa]|destinataires? suivants?|` +
		`error (?:en la entrega|al entregar) a estos destinatarios o grupos|no se ha entregado a|siguientes destinatarios|` +
		`recapito non riuscito per i seguenti destinatari|seguenti destinatari|` +
		`de bezorging is mislukt voor deze ontvangers|volgende ontvangers|` +
		`falha na entrega para estes destinat[áa]rios|seguintes destinat[áa]rios`)

	// inlineRes match a sentence or line that names one failed address
	// (group 1).
	inlineRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)your message to:?\s*<?(` + addrPat + `)>?\s*(?:couldn't|could not|can't|cannot|wasn't|was not) be delivered`),
		regexp.MustCompile(`(?i)(?:wasn't|was not|couldn't be|could not be|cannot be|can't be|has not been|hasn't been) delivered to:?\s*<?(` + addrPat + `)`),
		regexp.MustCompile(`(?i)(?:problem|error) delivering (?:your )?(?:message|mail) to:?\s*<?(` + addrPat + `)`),
		regexp.MustCompile(`(?im)^[ \t]*["<]?(` + addrPat + `)[">]?(?:[ \t]*\([^)\n]{0,200}\))?[ \t]*:(?:[ \t]|$)`),
		regexp.MustCompile(`(?i)unable to deliver (?:the )?message to:?\s*<?(` + addrPat + `)`),
		regexp.MustCompile(`(?i)rejected recipient\s*<(` + addrPat + `)>`),
		regexp.MustCompile(`(?i)recipients returned permanent errors:\s*<?(` + addrPat + `)`),
		regexp.MustCompile(`(?im)^[ \t]*recipient address:[ \t]*<?(` + addrPat + `)`),
		regexp.MustCompile(`(?im)^[ \t]*(?:unknown (?:user|host)|user mailbox exceeds allowed size|invalid final delivery userid|` +
			`delivery failed \d+ attempts?|undeliverable to)[ \t]*:?[ \t]*<?(` + addrPat + `)>?[ \t]*$`),
		regexp.MustCompile(`(?i)(?:not a member of this mailing list|duplicated message-id in)\s*<(` + addrPat + `)>`),
		regexp.MustCompile(`(?im)^[ \t]*member:[ \t]*<?(` + addrPat + `)`),
		regexp.MustCompile(`(?i)ihre nachricht an:?\s*<?(` + addrPat + `)>?\s*konnte nicht`),
		regexp.MustCompile(`(?i)votre message (?:à|a|pour):?\s*<?(` + addrPat + `)>?\s*n'a pas pu`),
		regexp.MustCompile(`(?i)(?:su|tu) mensaje (?:a|para):?\s*<?(` + addrPat + `)>?\s*no se (?:ha )?pudo`),
		regexp.MustCompile(`(?i)no se (?:ha )?pudo entregar (?:el|su|tu) mensaje a:?\s*<?(` + addrPat + `)`),
		regexp.MustCompile(`(?i)(?:il )?(?:tuo |suo )?messaggio (?:a|per):?\s*<?(` + addrPat + `)>?\s*non`),
		regexp.MustCompile(`(?i)uw bericht aan:?\s*<?(` + addrPat + `)>?\s*(?:kan|kon) niet`),
		regexp.MustCompile(`(?i)(?:a )?sua mensagem para:?\s*<?(` + addrPat + `)>?\s*n[ãa]o`),
	}

	// shapeRes match lines that name a failed address by their shape
	// only: "Recipient: <addr>", an SMTP transcript's "RCPT TO:<addr>",
	// Sendmail's "addr... reason", "* addr" and ">>> addr" list items,
	// "addr [reason]", "Address: <addr>" and a line holding nothing but
	// an address. They are read when no list or sentence names one.
	shapeRes = []*regexp.Regexp{
		regexp.MustCompile(`(?im)^[ \t]*recipient:?[ \t]*<(` + addrPat + `)>`),
		regexp.MustCompile(`(?im)(?:^|[ \t:>])rcpt to:[ \t]*<?(` + addrPat + `)`),
		regexp.MustCompile(`(?im)<?(` + addrPat + `)>?\.\.\.[ \t]`),
		regexp.MustCompile(`(?im)^[ \t]*(?:\*|>>>)[ \t]+<?(` + addrPat + `)>?`),
		regexp.MustCompile(`(?im)^[ \t]*<?(` + addrPat + `)>?[ \t]+\[[^\]\n]{1,200}\]`),
		regexp.MustCompile(`(?i)\baddress:[ \t]*<(` + addrPat + `)>`),
		regexp.MustCompile(`(?im)^[ \t]*["<]?(` + addrPat + `)[">]?:?[ \t]*$`),
	}

	// detailFieldRe matches the labelled lines of a report's details and
	// of an SMTP transcript, which never continue a server's reply.
	detailFieldRe = regexp.MustCompile(`(?i)^[ \t]*(?:in|out|sent|received|remote system|reason|diagnostic[ -]code|` +
		`recipient address|original address|remote-mta|reporting-mta|final-recipient|action|status)[ \t]*(?::|>>>|<<<)`)

	// returnedToRe matches the To field of returned headers.
	returnedToRe = regexp.MustCompile(`(?im)^[ \t]*to[ \t]*:[ \t]*(.*(?:\n[ \t]+.*)*)`)

	failWordsRe = regexp.MustCompile(`(?i)user unknown|unknown user|no such user|unknown recipient|recipient unknown|` +
		`could not deliver|giving up|account is (?:disabled|suspended|closed)|exceeds allowed size|lookup failure|` +
		`hop count|not a member|retry timeout exceeded|administrativ\w* disabled|size limit exceeded|` +
		`network error|not reachable|doesn't have an? [^\n]{0,40}account|duplicated message-id|` +
		`no valid recipients|invalid (?:user|address)|mailbox is full|` +
		`non r[ée]pertori[ée]|connection timed out|host not found|` +
		`does not exist|doesn't exist|not found|mailbox (?:unavailable|full|is full|not found|disabled)|over quota|` +
		`quota exceeded|invalid recipient|recipient address rejected|address rejected|unrouteable|undeliverable|` +
		`account (?:has been )?disabled|no mailbox|not listed|relay(?:ing)? denied|` +
		`unbekannt|existiert nicht|nicht gefunden|postfach voll|inconnu|n'existe pas|introuvable|` +
		`desconocido|no existe|sconosciuto|non esiste|onbekend|bestaat niet|desconhecido|n[ãa]o existe`)

	statusRe = regexp.MustCompile(`(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?:[^\d.]|$)`)
	codeRe   = regexp.MustCompile(`(?:^|[^\d.])([45][0-7]\d)(?:[ :-]|$)`)
)

const addrPat = `[\p{L}\p{N}!#$%&'*+/=?^_{|}~.-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?)+`

// cutOriginal returns text up to where the returned original message
// starts.
func cutOriginal(text string) string {
	if loc := originalRe.FindStringIndex(text); loc != nil {
		return text[:loc[0]]
	}
	return text
}

// cleanAddr trims an address found in text and lower-cases it.
func cleanAddr(s string) string {
	return strings.ToLower(strings.Trim(s, ".-'"))
}

// excluded returns the addresses that are never the failed recipient:
// the bounce's own sender and recipients, and the sender of the returned
// message.
func excluded(m *Message, text string) map[string]bool {
	ex := map[string]bool{}
	for _, a := range append([]Address{m.From, m.Sender}, m.To...) {
		if a.Email != "" {
			ex[a.Key()] = true
		}
	}
	scan := func(s string) {
		for _, line := range fromLineRe.FindAllString(s, 20) {
			for _, e := range addrRe.FindAllString(line, 5) {
				ex[cleanAddr(e)] = true
			}
		}
	}
	scan(text[len(cutOriginal(text)):])
	for _, a := range m.Attachments {
		if a.IsMessage() || a.ContentType == "text/rfc822-headers" {
			raw := a.Raw
			if len(raw) > 16<<10 {
				raw = raw[:16<<10]
			}
			head, _, _ := strings.Cut(validString(string(normalizeNewlines(raw))), "\n\n")
			scan(head)
		}
	}
	return ex
}

// isExcluded reports whether e is a known non-recipient or a mail
// system's own address. A report's own lists may name a postmaster as
// the failed recipient (named is set for those); a guess never does.
func isExcluded(e string, ex map[string]bool, named bool) bool {
	local, _, _ := strings.Cut(e, "@")
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if named && (local == "postmaster" || local == "post_master") {
		return ex[e]
	}
	return ex[e] || isDaemonLocal(local)
}

// textRecipients finds the failed addresses in a bounce's text: first
// from the lists and sentences of known report formats, then from lines
// that name an address by their shape, then, if none is found, from any
// address next to an SMTP code, a status code or words of failure.
func textRecipients(body string, ex map[string]bool, delay bool) []BouncedRecipient {
	lines := strings.Split(body, "\n")
	var found []string
	seen := map[string]bool{}
	temp := map[string]bool{}
	addFound := func(e string, tmp, named bool) {
		e = cleanAddr(e)
		if e == "" || seen[e] || isExcluded(e, ex, named) {
			return
		}
		seen[e] = true
		temp[e] = tmp
		found = append(found, e)
	}
	sectionRecipients(lines, func(e string, tmp bool) { addFound(e, tmp, true) })
	// Sentences and "<addr>:" lines.
	for _, re := range inlineRes {
		for _, s := range re.FindAllStringSubmatch(body, 20) {
			addFound(s[1], false, true)
		}
	}
	if len(found) == 0 {
		for _, re := range shapeRes {
			for _, s := range re.FindAllStringSubmatch(body, 20) {
				addFound(s[1], false, true)
			}
		}
	}
	// Anything near a code or failure words.
	if len(found) == 0 {
		for i, line := range lines {
			if headerLineRe.MatchString(line) || mailFromRe.MatchString(line) {
				continue
			}
			addrs := addrRe.FindAllString(line, 5)
			if len(addrs) == 0 {
				continue
			}
			ctx := strings.Join(lines[i:min(len(lines), i+3)], "\n")
			if codeRe.MatchString(ctx) || statusRe.MatchString(ctx) || failWordsRe.MatchString(ctx) {
				for _, e := range addrs {
					addFound(e, false, false)
				}
			}
		}
	}
	var out []BouncedRecipient
	for _, e := range found {
		r := BouncedRecipient{Email: e}
		describe(&r, body, delay || temp[e])
		out = append(out, r)
	}
	return out
}

// sectionRecipients calls add for each address listed after a section
// line ("The following addresses had permanent fatal errors", "was not
// delivered to:"), with tmp set for a list of temporary failures.
func sectionRecipients(lines []string, add func(e string, tmp bool)) {
	for i, line := range lines {
		s := sectionRe.FindStringSubmatch(line)
		if s == nil {
			continue
		}
		tmp := s[1] != ""
		for _, e := range addrRe.FindAllString(line[strings.Index(line, s[0])+len(s[0]):], 5) {
			add(e, tmp)
		}
		for j := i + 1; j < len(lines) && j <= i+25; j++ {
			l := lines[j]
			if sectionRe.MatchString(l) || strings.Contains(strings.ToLower(l), "transcript of session") {
				break
			}
			if headerLineRe.MatchString(l) || mailFromRe.MatchString(l) {
				continue
			}
			for _, e := range addrRe.FindAllString(l, 5) {
				add(e, tmp)
			}
		}
	}
}

// returnedRecipient is the last resort for a report that names no
// address at all (Postfix's "Delivery report unavailable", a Notes or
// Sendmail report without one): the single address in the To field of
// the returned message's headers, attached or below the report's text.
func returnedRecipient(m *Message, text string) string {
	var heads []string
	for _, a := range m.Attachments {
		if a.IsMessage() || a.ContentType == "text/rfc822-headers" {
			raw := validString(string(normalizeNewlines(a.Raw[:min(len(a.Raw), 16<<10)])))
			head, _, _ := strings.Cut(raw, "\n\n")
			heads = append(heads, head)
		}
	}
	if loc := originalRe.FindStringIndex(text); loc != nil {
		rest := strings.TrimLeft(text[loc[0]:], " \t")
		if !headerLineRe.MatchString(rest) {
			_, rest, _ = strings.Cut(rest, "\n") // the marker line itself
		}
		head, _, _ := strings.Cut(strings.TrimLeft(rest, "\n"), "\n\n")
		heads = append(heads, head)
	}
	ex := excluded(m, text)
	for _, head := range heads {
		to := returnedToRe.FindStringSubmatch(head)
		if to == nil {
			continue
		}
		addrs := addrRe.FindAllString(to[1], 3)
		if len(addrs) != 1 {
			continue
		}
		if e := cleanAddr(addrs[0]); !isExcluded(e, ex, true) {
			return e
		}
	}
	return ""
}

// describe fills r's Status, Diagnostic and Permanent from the lines
// after the first mention of r.Email in body. Without a code, the failure
// counts as permanent unless the report is a delay notice.
func describe(r *BouncedRecipient, body string, delay bool) {
	r.Permanent = !delay
	lines := strings.Split(body, "\n")
	var codeLine, statusLine, wordLine string
	mentions, first := 0, -1
	for i := 0; i < len(lines) && mentions < 5 && codeLine == ""; i++ {
		if !strings.Contains(strings.ToLower(lines[i]), r.Email) {
			continue
		}
		mentions++
		if first < 0 {
			first = i
		}
		// The mention's own line may hold the reason ("Unknown user: addr").
		if rest := strings.ReplaceAll(strings.ToLower(lines[i]), r.Email, ""); wordLine == "" && failWordsRe.MatchString(rest) {
			wordLine = lines[i]
		}
		for k, l := range lines[i:min(len(lines), i+9)] {
			if k > 0 && containsOtherAddr(l, r.Email) && !codeRe.MatchString(l) {
				break
			}
			if mailFromRe.MatchString(l) {
				continue
			}
			if c := codeRe.FindStringSubmatchIndex(l); c != nil {
				codeLine = l[c[2]:] + continuation(lines[i+k+1:], r.Email)
				break
			}
			if statusLine == "" && statusRe.MatchString(l) {
				statusLine = l
			}
			if wordLine == "" && k > 0 && failWordsRe.MatchString(l) {
				wordLine = l
			}
		}
	}
	diag := codeLine
	if diag == "" {
		diag = statusLine
	}
	if diag == "" {
		diag = wordLine
	}
	if diag == "" && first > 0 {
		diag = reasonAbove(lines, first)
	}
	r.Diagnostic = oneLine(strings.TrimRight(strings.TrimSpace(diag), "')]"))
	r.Status = findStatus(r.Diagnostic)
	switch {
	case strings.HasPrefix(r.Status, "5."):
		r.Permanent = true
	case strings.HasPrefix(r.Status, "4."):
		r.Permanent = false
	case smtpCode(r.Diagnostic) == '5':
		r.Permanent = true
	case smtpCode(r.Diagnostic) == '4':
		r.Permanent = false
	}
}

// continuation returns the indented lines that continue a wrapped
// server reply (Postfix and Exim fold long replies), at most three, up to
// a line that names another address.
func continuation(lines []string, e string) string {
	var b strings.Builder
	for _, l := range lines[:min(len(lines), 3)] {
		if l == "" || (l[0] != ' ' && l[0] != '\t') || containsOtherAddr(l, e) || codeRe.MatchString(l) ||
			detailFieldRe.MatchString(l) {
			break
		}
		b.WriteString(" " + l)
	}
	return b.String()
}

// reasonAbove returns the reason written just above an address a report
// lists (Lotus Notes: the reason, then the address; MailMarshal: the
// server's reply, then the list), or "".
func reasonAbove(lines []string, i int) string {
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		l := lines[j]
		switch {
		case addrRe.MatchString(l):
			return ""
		case strings.TrimSpace(l) == "" || sectionRe.MatchString(l):
			continue
		case codeRe.MatchString(l) || failWordsRe.MatchString(l):
			return l
		}
	}
	return ""
}

// containsOtherAddr reports whether line names an address other than e.
func containsOtherAddr(line, e string) bool {
	for _, a := range addrRe.FindAllString(line, 5) {
		if cleanAddr(a) != e {
			return true
		}
	}
	return false
}

// findStatus returns the first 4.x.x or 5.x.x enhanced status code in s.
func findStatus(s string) string {
	for _, m := range statusRe.FindAllStringSubmatch(s, 5) {
		if m[1][0] != '2' {
			return m[1]
		}
	}
	return ""
}

// smtpCode returns the class digit ('4' or '5') of the first SMTP reply
// code in s, or 0.
func smtpCode(s string) byte {
	if m := codeRe.FindStringSubmatch(s); m != nil {
		return m[1][0]
	}
	return 0
}
