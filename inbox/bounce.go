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
// It reads, in order: RFC 3464 / RFC 6533 delivery-status parts, Amazon
// SES bounce notifications (JSON through SNS), the X-Failed-Recipients
// header, and the human-readable text of the non-standard reports of
// common mail servers and providers (Postfix, Exim, Sendmail, qmail,
// Exchange and Microsoft 365, Gmail, Yahoo, Lotus Notes and Domino,
// GroupWise, Courier, MDaemon, Mailman, DragonFly, OpenSMTPD, Apache
// James, IMail, Sun/Oracle Messaging Server, InterScan, MailMarshal,
// MailFoundry, m-FILTER, Japanese carriers, the fml list server, and
// localized variants): their lists, sentences and line shapes, and as a
// last resort the To field of the returned message. Words alone are never
// enough: without a delivery-status part or X-Failed-Recipients, the
// message must come from a machine (a mailer daemon or postmaster sender,
// a null Return-Path, Auto-Submitted, a list server's own notice) or carry
// the fixed wording of a mail server's report together with a bounce
// subject or a robot sender (no-reply). A delivery-status report that
// only announces successful delivery is not a bounce. A report that a
// person forwarded or attached is a bounce too, read from the forwarded
// report's own machine signals; its Standard stays false. ParseBounce
// does no I/O, never panics, reads a bounded amount of text, and returns
// valid UTF-8.
func ParseBounce(m *Message) (*Bounce, bool) {
	return parseBounce(m, 0)
}

// maxBounceDepth bounds the recursion into forwarded and attached reports.
const maxBounceDepth = 2

// parseBounce reads m as a report of its own, then, failing that, looks
// for a report a person forwarded inside it.
func parseBounce(m *Message, depth int) (*Bounce, bool) {
	if m == nil {
		return nil, false
	}
	b, ok, final := reportBounce(m)
	if ok || final || depth >= maxBounceDepth {
		return b, ok
	}
	return forwardedBounce(m, depth)
}

// reportBounce reads m as a delivery failure report. final is set when m
// is certainly no failure report (a delivery-status report that only
// announces success), so that nothing inside it is searched.
func reportBounce(m *Message) (b *Bounce, ok, final bool) {
	b = &Bounce{}
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
			} else if len(b.Recipients) == 0 && dsnSuccess(blk) {
				successOnly = true
			}
		}
	}
	if len(b.Recipients) > 0 {
		return b.finish(m), true, true
	}
	if successOnly {
		return nil, false, true
	}

	text := m.Text
	if len(text) > maxBounceText {
		text = validString(text[:maxBounceText])
	}
	if ses, ok := sesBounce(text); ok {
		return ses.finish(m), true, true
	}
	failedHdr := m.Header.Get("X-Failed-Recipients")
	if !dsnPart && !isReport(m, "delivery-status", "global-delivery-status") && failedHdr == "" && !looksLikeBounce(m, text) {
		return nil, false, false
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
		// A filter that wraps the mail server's own report (attached as a
		// message) before the guess from the returned message's To.
		for _, r := range attachedReport(m) {
			b.add(r)
		}
	}
	if len(b.Recipients) == 0 {
		if e := returnedRecipient(m, text); e != "" {
			r := BouncedRecipient{Email: e}
			describe(&r, body, delay)
			b.add(r)
		}
	}
	if len(b.Recipients) == 0 {
		b.Delay = delay
	}
	return b.finish(m), true, true
}

// attachedReport returns the failed recipients of a delivery failure
// report attached to m as a message (an attached report's own
// attachments are not read).
func attachedReport(m *Message) []BouncedRecipient {
	var out []BouncedRecipient
	eachAttachedMessage(m, func(inner *Message) bool {
		if b, ok, _ := reportBounce(inner); ok && len(b.Recipients) > 0 {
			out = b.Recipients
			return true
		}
		return false
	})
	return out
}

// eachAttachedMessage parses the messages attached to m (at most five)
// and calls found on each until it returns true.
func eachAttachedMessage(m *Message, found func(*Message) bool) {
	seen := 0
	for _, a := range m.Attachments {
		if !a.IsMessage() || len(a.Raw) == 0 {
			continue
		}
		if seen++; seen > 5 {
			return
		}
		if inner, err := ParseBytes(a.Raw); err == nil && inner != nil && found(inner) {
			return
		}
	}
}

// forwardedBounce finds a delivery failure report that a person passed
// on: an attached message (message/rfc822 or message/global) that is a
// report itself, or a forwarded header block in the text whose message
// is one (ExtractForward). The machine signals are those of the
// forwarded report, never the words of the person; Standard still comes
// from m, whose sender is no mail system.
func forwardedBounce(m *Message, depth int) (*Bounce, bool) {
	// Most mail forwards nothing, and no bounce: look inside only when an
	// attached message or the forward's subject could be one, so that
	// every customer's message does not cost a forward search.
	_, subject := subjectPrefix(m.Subject)
	inline := bounceSubject(subject)
	var attached *Bounce
	eachAttachedMessage(m, func(inner *Message) bool {
		b, ok := parseBounce(inner, depth+1)
		if ok {
			attached = b
		}
		return ok
	})
	if attached != nil {
		attached.Standard = standardReport(m)
		return attached, true
	}
	if !inline {
		return nil, false
	}
	f, ok := ExtractForward(m)
	if !ok || f.Source != SourceInline {
		return nil, false
	}
	inner := &Message{From: f.From, To: f.To, Subject: f.Subject, Text: f.Text}
	b, ok := parseBounce(inner, depth+1)
	if ok {
		b.Standard = standardReport(m)
	}
	return b, ok
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
	b.Standard = b.Standard || standardReport(m)
	for _, a := range m.Attachments {
		if a.IsMessage() || a.ContentType == "text/rfc822-headers" {
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

// standardReport reports whether m has the structure of a real report (a
// delivery-status part or a multipart/report) or comes from a mail system.
func standardReport(m *Message) bool {
	if machineSent(m) || isReport(m, "delivery-status", "global-delivery-status") {
		return true
	}
	for _, a := range m.Attachments {
		if a.ContentType == "message/delivery-status" || a.ContentType == "message/global-delivery-status" {
			return true
		}
	}
	return false
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
// a bounce: a machine sender with a bounce subject or report wording, a
// bounce subject with the fixed wording of a mail server, or a robot
// sender (no-reply and the like) with that fixed wording.
func looksLikeBounce(m *Message, text string) bool {
	subj := bounceSubject(m.Subject)
	machine := machineSent(m)
	if !subj && !machine && !robotSent(m) {
		return false
	}
	if machine && subj || mtaStrongRe.MatchString(text) {
		return true
	}
	return machine && bounceWordsRe.MatchString(text)
}

// bounceSubject reports whether a subject is that of a bounce: one that
// starts with a bounce phrase, or holds one of the phrases mail servers
// put in the middle ("Mail System Error - Returned Mail", "Postfix SMTP
// server: errors from ...").
func bounceSubject(s string) bool {
	return bounceSubjectRe.MatchString(s) || bounceSubjectAnyRe.MatchString(s)
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
	if m.From.Email == "" && daemonFromRe.MatchString(m.Header.Get("From")) {
		// An unreadable From such as "MAILER-DAEMON <>".
		return true
	}
	if rp := strings.TrimSpace(m.Header.Get("Return-Path")); rp == "<>" || rp == "< >" {
		return true
	}
	if listServerNotice(m) {
		return true
	}
	v := strings.ToLower(strings.TrimSpace(m.Header.Get("Auto-Submitted")))
	return v != "" && !strings.HasPrefix(v, "no")
}

// robotSent reports whether the sender is a robot's address (no-reply,
// notifications, list robots), which counts as a machine only beside the
// fixed wording of a mail server's report.
func robotSent(m *Message) bool {
	return robotSender(m.From.Key()) != "" || robotSender(m.Sender.Key()) != ""
}

// listServerNotice reports a notice written by the fml mailing list
// server itself (X-MLServer, sent from the list's -admin address or with
// fml's own Message-ID), not a post it relays.
func listServerNotice(m *Message) bool {
	if !strings.Contains(strings.ToLower(m.Header.Get("X-MLServer")), "fml") {
		return false
	}
	local, _, _ := strings.Cut(m.From.Key(), "@")
	return strings.HasSuffix(local, "-admin") || strings.Contains(strings.ToUpper(m.MessageID), ".FML")
}

// isDaemonLocal reports whether an address's local part names a mail
// system rather than a person.
func isDaemonLocal(local string) bool {
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	switch local {
	case "mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "maildaemon",
		"postmaster", "post_master", "mdaemon", "mail.delivery.system", "mail-delivery-system", "bounce", "bounces":
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

	// bounceSubjectAnyRe matches bounce phrases anywhere in a subject.
	bounceSubjectAnyRe = regexp.MustCompile(`(?i)returned mail|mail system error|undeliverable mail|undelivered mail|` +
		`delivery[ _]failure|failure notice|fail(?:ed|ure) delivery|message delivery has failed|\[bounce\]|` +
		`smtp server: errors from|there was an error sending your mail|non-?delivery (?:report|notification)|` +
		`配信エラー|配信不能|送信エラー|メールエラー|エラーメール|未配達|不達|退信|无法投递`)

	mtaStrongRe = regexp.MustCompile(`(?im)this is the qmail-send program|` +
		`this message was created automatically by mail delivery software|` +
		`this is the mail system at host|this is the postfix program|` +
		`the following addresses? had (?:permanent fatal|transient non-fatal) errors|` +
		`transcript of session follows|` +
		`delivery (?:has failed|is delayed) to these recipients or groups|` +
		`the following recipient\(s\) cannot be reached|` +
		`your message did not reach the following recipient|did not reach the following recipient\(s\)|` +
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
		`falha na entrega para estes destinat[áa]rios|` +
		`this is the dragonfly mail agent|this is the james mail server|` +
		`i'm afraid i wasn't able to deliver your message to the following addresses|there was an error delivering your mail to <|` +
		`your mail (?:sent on|attempted to be delivered on):|^[ \t]+could not be delivered to: <|` +
		`each of the following recipients was rejected by a remote|the user\(s\) account is|` +
		`-{3,}[ \t]*failure reasons[ \t]*-{3,}|error message below:\s+[^\n]*\s+message details:|` +
		`you are not a member of this mailing list|duplicated message-id in <|` +
		`^[ \t]*unable to deliver (?:your )?message to(?: the following address|:? <)|` +
		`this report relates to a message you sent with the following header fields|` +
		`your message cannot be delivered to the following recipients|` +
		`this is the mailer-daemon, please do not reply|the following addresses? had delivery (?:problems|errors)|` +
		`this is an automatically generated delivery status notification|` +
		`we had trouble delivering your message\. full details follow|` +
		`^[ \t]*could not be delivered because of[ \t]*$|the original message was received at|` +
		`次のあて先へのメッセージはエラーのため送信できませんでした|以下のメールアドレスへの送信に失敗しました`)

	bounceWordsRe = regexp.MustCompile(`(?i)could not be delivered|couldn't be delivered|was not delivered|` +
		`undeliverable|delivery (?:has )?failed|permanent error|permanent failure|user unknown|unknown user|` +
		`no such user|mailbox (?:unavailable|not found|full)|does not exist|address not found|` +
		`delivery (?:is )?delayed|not yet been delivered|` +
		`nicht zugestellt|konnte nicht zugestellt|unzustellbar|n'a pas pu [êe]tre (?:remis|distribu)|` +
		`non remis|no se (?:ha )?pudo entregar|non [èe] stato (?:possibile )?recapitat|non recapitabile|` +
		`kon niet worden (?:bezorgd|afgeleverd)|n[ãa]o p[ôo]de ser entregue|kunde inte levereras|` +
		`nie mo[żz]na dostarczy[ćc]|nelze doru[čc]it|` +
		`not a member of this mailing list|rejected recipient|returned permanent errors|` +
		`no valid recipients|invalid user address|` +
		`送信できませんでした|配信できませんでした|宛先不明`)

	// daemonFromRe matches a raw From header that names a mail system.
	daemonFromRe = regexp.MustCompile(`(?i)^[\s"]*(?:mailer.?daemon|postmaster|mail delivery (?:subsystem|system))\b`)

	daemonNameRe = regexp.MustCompile(`(?i)mail delivery (?:subsystem|system|service)|mailer.?daemon|\bpostmaster\b|` +
		`mail administrator|mail ?router|courier mail server|delivery status notification|mail system`)

	delayRe = regexp.MustCompile(`(?i)delivery (?:is |has been )?delayed|delayed mail|message delayed|` +
		`delivery status notification \(delay\)|still undelivered|will (?:continue to |keep )?(?:retry|try again|trying)|` +
		`will be retried|(?:still|being) retried|this is a warning (?:message )?only|do not need to resend|` +
		`has not yet been delivered|not yet been delivered|temporary problem delivering|delivery incomplete|` +
		`do not need to re-send|is delayed for more than|only a temporary failure|` +
		`verz[öo]gert|retard[ée]e?|diff[ée]r[ée]e|retrasad|ritardat|vertraagd|atrasad`)

	reporterRe = regexp.MustCompile(`(?i)(?:this is the mail system at host|this is the qmail-send program at|` +
		`this is the dragonfly mail agent v[0-9.]+ at|this is the james mail server at|` +
		`this is the postfix program at host|generating server:|reporting-mta:\s*dns;|` +
		`delivery status notification from)\s*([a-z0-9][a-z0-9.-]{0,250}[a-z0-9])`)

	finalRecipientRe = regexp.MustCompile(`(?im)^(?:final|original)-recipient:`)
)
