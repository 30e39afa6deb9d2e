package inbox

import (
	"mime"
	"regexp"
	"slices"
	"strings"
)

// Bounce is a delivery failure report: who could not be reached, and
// whether that is final.
type Bounce struct {
	// Recipients lists the addresses that failed or are delayed, each
	// once, in the order the report names them. It may be empty when the
	// message is clearly a bounce but names no readable address.
	Recipients []BouncedRecipient
	// Delay is set for a delay or warning notice only: no recipient
	// failed for good, and the mail system is still trying.
	Delay bool
	// Reporter is the reporting mail server (a host name), if known.
	Reporter string
	// Returned lists the Message-IDs of the mail the report returns (in
	// its returned headers or quoted text), without angle brackets: what
	// ties the report to mail that was really sent.
	Returned []string
	// Standard: the report has the structure of a real one, a
	// delivery-status part (RFC 3464) or a multipart/report, or comes from
	// a mail system (a mailer-daemon or postmaster sender, a null
	// Return-Path, Auto-Submitted), not only a header anyone can add.
	Standard bool
}

// BouncedRecipient is one address a delivery failure report names.
type BouncedRecipient struct {
	Email      string // lower-cased failed address
	Permanent  bool   // 5.x.x / Action: failed; false for delayed / 4.x.x
	Status     string // e.g. "5.1.1"; empty if the report gives none
	Diagnostic string // the remote server's text, if any (one line, trimmed)
}

// ParseBounce reports whether m is a delivery status notification or
// another bounce, and who failed.
//
// It reads, in order: RFC 3464 / RFC 6533 delivery-status parts, the
// X-Failed-Recipients header, and the human-readable text of the
// non-standard reports of common mail servers and providers (Postfix,
// Exim, Sendmail, qmail, Exchange and Microsoft 365, Gmail, Yahoo, Lotus
// Notes, GroupWise, Courier, MDaemon, Mailman, and localized variants).
// Words alone are never enough: without a delivery-status part or
// X-Failed-Recipients, the message must come from a machine (a mailer
// daemon or postmaster sender, a null Return-Path, Auto-Submitted) or
// carry the fixed wording of a mail server's report together with a
// bounce subject. A delivery-status report that only announces successful
// delivery is not a bounce. ParseBounce does no I/O, never panics, reads
// a bounded amount of text, and returns valid UTF-8.
func ParseBounce(m *Message) (*Bounce, bool) {
	if m == nil {
		return nil, false
	}
	b := &Bounce{}
	dsnPart, successOnly := false, false
	for _, a := range m.Attachments {
		if a.ContentType != "message/delivery-status" && a.ContentType != "message/global-delivery-status" {
			continue
		}
		dsnPart = true
		reporter, blocks := parseDSN(a.Raw)
		if b.Reporter == "" {
			b.Reporter = reporter
		}
		for _, blk := range blocks {
			if r, ok := dsnRecipient(blk); ok {
				b.add(r)
			} else if len(b.Recipients) == 0 {
				successOnly = true
			}
		}
	}
	if len(b.Recipients) > 0 {
		return b.finish(m), true
	}
	if successOnly {
		return nil, false
	}

	text := m.Text
	if len(text) > maxBounceText {
		text = validString(text[:maxBounceText])
	}
	failedHdr := m.Header.Get("X-Failed-Recipients")
	if !dsnPart && !isReport(m, "delivery-status", "global-delivery-status") && failedHdr == "" && !looksLikeBounce(m, text) {
		return nil, false
	}

	body := cutOriginal(text)
	delay := delayRe.MatchString(body) || delayRe.MatchString(m.Subject)
	for _, e := range addrRe.FindAllString(failedHdr, 20) {
		r := BouncedRecipient{Email: cleanAddr(e)}
		describe(&r, body, delay)
		b.add(r)
	}
	if len(b.Recipients) == 0 && finalRecipientRe.MatchString(body) {
		// A delivery-status report pasted into the text.
		reporter, blocks := parseDSN([]byte(body))
		if b.Reporter == "" {
			b.Reporter = reporter
		}
		for _, blk := range blocks {
			if r, ok := dsnRecipient(blk); ok {
				b.add(r)
			}
		}
	}
	if len(b.Recipients) == 0 {
		for _, r := range textRecipients(body, excluded(m, text), delay) {
			b.add(r)
		}
	}
	if len(b.Recipients) == 0 {
		b.Delay = delay
	}
	return b.finish(m), true
}

// add appends r, merging it into an earlier entry for the same address.
func (b *Bounce) add(r BouncedRecipient) {
	if r.Email == "" {
		return
	}
	for i := range b.Recipients {
		old := &b.Recipients[i]
		if old.Email != r.Email {
			continue
		}
		if r.Permanent && !old.Permanent {
			old.Permanent, old.Status = true, r.Status
		}
		if old.Status == "" {
			old.Status = r.Status
		}
		if old.Diagnostic == "" {
			old.Diagnostic = r.Diagnostic
		}
		return
	}
	const maxRecipients = 100
	if len(b.Recipients) < maxRecipients {
		b.Recipients = append(b.Recipients, r)
	}
}

// finish sets Delay, Reporter, Returned and Standard once the recipients
// are known.
func (b *Bounce) finish(m *Message) *Bounce {
	b.Standard = machineSent(m) || isReport(m, "delivery-status", "global-delivery-status")
	for _, a := range m.Attachments {
		switch {
		case a.ContentType == "message/delivery-status" || a.ContentType == "message/global-delivery-status":
			b.Standard = true
		case a.IsMessage() || a.ContentType == "text/rfc822-headers":
			b.returned(string(a.Raw[:min(len(a.Raw), maxBounceText)]))
		}
	}
	text := m.Text
	if len(text) > maxBounceText {
		text = validString(text[:maxBounceText])
	}
	if loc := originalRe.FindStringIndex(text); loc != nil {
		b.returned(text[loc[0]:])
	}
	if len(b.Recipients) > 0 {
		b.Delay = true
		for _, r := range b.Recipients {
			if r.Permanent {
				b.Delay = false
			}
		}
	}
	if b.Reporter == "" {
		if s := reporterRe.FindStringSubmatch(text); s != nil {
			b.Reporter = strings.ToLower(strings.TrimRight(s[1], "."))
		} else if local, domain, ok := strings.Cut(m.From.Key(), "@"); ok && isDaemonLocal(local) {
			b.Reporter = domain
		}
	}
	b.Reporter = oneLine(b.Reporter)
	return b
}

// returnedIDRe finds a Message-ID field of a returned message.
var returnedIDRe = regexp.MustCompile(`(?im)^[ \t>]*Message-I[dD][ \t]*:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]+)>`)

// returned records the Message-IDs of returned headers or quoted text.
func (b *Bounce) returned(s string) {
	for _, m := range returnedIDRe.FindAllStringSubmatch(s, 10) {
		id := m[1]
		if !slices.Contains(b.Returned, id) && len(b.Returned) < 10 {
			b.Returned = append(b.Returned, id)
		}
	}
}

// isReport reports whether m is a multipart/report of one of the given
// report types.
func isReport(m *Message, types ...string) bool {
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		mt, params = (&parser{msg: &Message{}}).mediaType(m.Header.Get("Content-Type"), "")
	}
	if mt != "multipart/report" {
		return false
	}
	rt := strings.ToLower(strings.TrimSpace(params["report-type"]))
	for _, t := range types {
		if rt == t {
			return true
		}
	}
	return false
}

// looksLikeBounce decides, without a delivery-status part, whether m is
// a bounce: a machine sender with a bounce subject or report wording, or
// a bounce subject with the fixed wording of a mail server.
func looksLikeBounce(m *Message, text string) bool {
	subj := bounceSubjectRe.MatchString(m.Subject)
	machine := machineSent(m)
	switch {
	case !subj && !machine:
		return false
	case machine && subj:
		return true
	case mtaStrongRe.MatchString(text):
		return true
	}
	return machine && bounceWordsRe.MatchString(text)
}

// machineSent reports whether the sender or envelope marks m as written
// by a mail system rather than a person.
func machineSent(m *Message) bool {
	for _, a := range []Address{m.From, m.Sender} {
		local, _, _ := strings.Cut(a.Key(), "@")
		if local != "" && isDaemonLocal(local) {
			return true
		}
		if daemonNameRe.MatchString(a.Name) {
			return true
		}
	}
	if rp := strings.TrimSpace(m.Header.Get("Return-Path")); rp == "<>" || rp == "< >" {
		return true
	}
	v := strings.ToLower(strings.TrimSpace(m.Header.Get("Auto-Submitted")))
	return v != "" && !strings.HasPrefix(v, "no")
}

// isDaemonLocal reports whether an address's local part names a mail
// system rather than a person.
func isDaemonLocal(local string) bool {
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	switch local {
	case "mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "maildaemon",
		"postmaster", "mdaemon", "mail.delivery.system", "mail-delivery-system", "bounce", "bounces":
		return true
	}
	return strings.HasPrefix(local, "microsoftexchange") || strings.HasSuffix(local, "-bounces") ||
		strings.HasPrefix(local, "mailer-daemon")
}

var (
	bounceSubjectRe = regexp.MustCompile(`(?i)^\s*(?:\[[^\]]{0,40}\]\s*)?(?:` +
		`undeliver(?:ed|able)|delivery status notification|delivery (?:status )?(?:failure|failed|notification|problem|report)|` +
		`mail delivery (?:failed|failure|problem|system|subsystem)|failure notice|returned mail|returning message|` +
		`non-?deliverable|message not delivered|could not send message|warning: (?:could not send|message .{0,40} delayed)|` +
		`delayed mail|delivery (?:is )?delayed|message delivery has been delayed|mail delivery delayed|` +
		`message status - undeliverable|permanent delivery failure|notice: mail delivery status|bounce action notification|` +
		`mail could not be delivered|message could not be delivered|` +
		`unzustellbar|nicht zustellbar|zustellung fehlgeschlagen|unzustellbare nachricht|` +
		`non remis|non distribu[ée]|[ée]chec de (?:la )?(?:remise|distribution)|message non remis|` +
		`no se puede entregar|no entregad[oa]|mensaje no entregado|` +
		`non recapitabile|impossibile recapitare|mancato recapito|` +
		`onbestelbaar|niet bezorgd|niet afgeleverd|` +
		`n[ãa]o [ée] poss[íi]vel entregar|n[ãa]o entregue|mensagem n[ãa]o entregue|` +
		`kan inte levereras|olevererbart|ikke leveret|kunne ikke leveres|` +
		`nie mo[żz]na dostarczy[ćc]|niedostarczon|nedoru[čc]iteln|nelze doru[čc]it|` +
		`toimitus ep[äa]onnistui|не доставлено|недоставленное|配信不能|配信エラー|无法投递|退信|전달 실패)`)

	mtaStrongRe = regexp.MustCompile(`(?im)this is the qmail-send program|` +
		`this message was created automatically by mail delivery software|` +
		`this is the mail system at host|this is the postfix program|` +
		`the following addresses? had (?:permanent fatal|transient non-fatal) errors|` +
		`transcript of session follows|` +
		`delivery (?:has failed|is delayed) to these recipients or groups|` +
		`the following recipient\(s\) cannot be reached|` +
		`your message (?:wasn't|was not) delivered to|there was a (?:temporary )?problem delivering your message to|` +
		`delivery to the following recipients? (?:failed|has been delayed)|` +
		`running the courier mail server|had permanent fatal delivery errors|` +
		`mailman mailing list bounce action notice|` +
		`^diagnostic-code:|^final-recipient:|remote server returned '|` +
		`unable to deliver your message to the following address|` +
		`was undeliverable to the following|` +
		`could not be delivered to one or more (?:of its )?recipients|` +
		`i'm sorry to have to inform you that your message could not|` +
		`the following message to <[^>]+> was undeliverable|` +
		`smtp error from remote (?:mail )?server|` +
		`die zustellung an folgende empf[äa]nger oder gruppen ist fehlgeschlagen|` +
		`la remise [àa] ces destinataires ou groupes a [ée]chou[ée]|` +
		`error (?:en la entrega|al entregar) a estos destinatarios o grupos|` +
		`recapito non riuscito per i seguenti destinatari|` +
		`de bezorging is mislukt voor deze ontvangers|` +
		`falha na entrega para estes destinat[áa]rios`)

	bounceWordsRe = regexp.MustCompile(`(?i)could not be delivered|couldn't be delivered|was not delivered|` +
		`undeliverable|delivery (?:has )?failed|permanent error|permanent failure|user unknown|unknown user|` +
		`no such user|mailbox (?:unavailable|not found|full)|does not exist|address not found|` +
		`delivery (?:is )?delayed|not yet been delivered|` +
		`nicht zugestellt|konnte nicht zugestellt|unzustellbar|n'a pas pu [êe]tre (?:remis|distribu)|` +
		`non remis|no se (?:ha )?pudo entregar|non [èe] stato (?:possibile )?recapitat|non recapitabile|` +
		`kon niet worden (?:bezorgd|afgeleverd)|n[ãa]o p[ôo]de ser entregue|kunde inte levereras|` +
		`nie mo[żz]na dostarczy[ćc]|nelze doru[čc]it`)

	daemonNameRe = regexp.MustCompile(`(?i)mail delivery (?:subsystem|system|service)|mailer.?daemon|\bpostmaster\b|` +
		`mail administrator|mail ?router|courier mail server|delivery status notification|mail system`)

	delayRe = regexp.MustCompile(`(?i)delivery (?:is |has been )?delayed|delayed mail|message delayed|` +
		`delivery status notification \(delay\)|still undelivered|will (?:continue to |keep )?(?:retry|try again|trying)|` +
		`will be retried|(?:still|being) retried|this is a warning (?:message )?only|do not need to resend|` +
		`has not yet been delivered|not yet been delivered|temporary problem delivering|delivery incomplete|` +
		`verz[öo]gert|retard[ée]e?|diff[ée]r[ée]e|retrasad|ritardat|vertraagd|atrasad`)

	reporterRe = regexp.MustCompile(`(?i)(?:this is the mail system at host|this is the qmail-send program at|` +
		`this is the postfix program at host|generating server:|reporting-mta:\s*dns;|` +
		`delivery status notification from)\s*([a-z0-9][a-z0-9.-]{0,250}[a-z0-9])`)

	finalRecipientRe = regexp.MustCompile(`(?im)^(?:final|original)-recipient:`)
)
