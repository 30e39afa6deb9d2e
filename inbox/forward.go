package inbox

import (
	"strings"
	"time"

	"github.com/k3a/html2text"
)

// Forward is the original message inside an owner's forward.
type Forward struct {
	From      Address   // the original sender (the customer): address always set, name if given
	To        []Address // the original recipients, if found
	Subject   string    // the original subject; else the outer subject without its forward prefixes
	Date      time.Time // the original date if it could be read (best effort), else zero
	Text      string    // the original message's body text, below the forwarded header block
	Note      string    // what the forwarder wrote above the forward, trimmed (may hold tags such as #complaint)
	MessageID string    // the original Message-ID, when known (message/rfc822 attachments only)
	Source    string    // SourceAttachment or SourceInline
}

// Values of Forward.Source.
const (
	SourceAttachment = "attachment" // a message/rfc822 or message/global attachment
	SourceInline     = "inline"     // a forwarded header block in the body text
)

// maxForwardDepth bounds the recursion into attached messages.
const maxForwardDepth = 3

// ExtractForward finds the forwarded original in m: first an attached
// message (message/rfc822 or message/global) whose sender is not the
// forwarder, then a forwarded header block in the body text as mail
// clients write it in any language ("---------- Forwarded message ----------",
// "-----Original Message-----", "Begin forwarded message:", Outlook's
// "From:/Sent:/To:/Subject:" block, localized labels such as "Von:",
// "De :", "Od:", "差出人:"), found by its structure more than by its words.
// An "On <date>, Name <addr> wrote:" line counts only when the subject of m
// has a forward prefix (Fwd:, WG:, TR:, RV:, ...), and a subject with a
// reply prefix (Re:, AW:, SV:, ...) hides inline blocks unless a separator
// names a forward. In a forward of a forward the outermost original whose
// sender is not the forwarder (m's From, Sender, Reply-To or To) is used.
//
// ok is false when m is not a forward or the original sender's address
// cannot be found; the caller then keeps the message for the owner's review
// and never attributes it to the owner. Every string in f is valid UTF-8.
// The work done is bounded (the first MiB and 20,000 lines of text).
func ExtractForward(m *Message) (f *Forward, ok bool) {
	if m == nil {
		return nil, false
	}
	ex := make(map[string]bool)
	for _, a := range append(append([]Address{m.From, m.Sender}, m.ReplyTo...), m.To...) {
		if a.Email != "" {
			ex[a.Key()] = true
		}
	}
	return extractForward(m, ex, 0)
}

func extractForward(m *Message, ex map[string]bool, depth int) (*Forward, bool) {
	kind, stripped := subjectPrefix(m.Subject)
	note := strings.TrimSpace(m.Text)
	for _, a := range m.Attachments {
		if !a.IsMessage() || len(a.Raw) == 0 {
			continue
		}
		inner, err := ParseBytes(a.Raw)
		if err != nil || inner == nil {
			continue
		}
		if inner.From.Email != "" && !ex[inner.From.Key()] {
			f := &Forward{
				From:      inner.From,
				To:        inner.To,
				Subject:   inner.Subject,
				Date:      inner.Date,
				Text:      strings.TrimSpace(inner.Text),
				Note:      note,
				MessageID: inner.MessageID,
				Source:    SourceAttachment,
			}
			if f.Subject == "" {
				f.Subject = stripped
			}
			return f, true
		}
		if depth < maxForwardDepth {
			if f, ok := extractForward(inner, ex, depth+1); ok {
				f.Note = note
				return f, true
			}
		}
	}
	for _, text := range forwardTexts(m) {
		if f, ok := inlineForward(text, kind, ex); ok {
			if f.Subject == "" {
				f.Subject = stripped
			}
			f.Subject = validString(f.Subject)
			return f, true
		}
	}
	return nil, false
}

// forwardTexts returns the texts to search: the plain text, then the HTML
// converted here (keeping link targets) if it differs.
func forwardTexts(m *Message) []string {
	texts := []string{m.Text}
	if m.HTML != "" {
		h := m.HTML
		if len(h) > 4*maxForwardScan {
			h = strings.ToValidUTF8(h[:4*maxForwardScan], "")
		}
		if t := htmlForForward(h); t != "" && t != m.Text {
			texts = append(texts, t)
		}
	}
	return texts
}

func htmlForForward(h string) (text string) {
	defer func() {
		if recover() != nil {
			text = ""
		}
	}()
	return validString(html2text.HTML2TextWithOptions(h, html2text.WithUnixLineBreaks()))
}
