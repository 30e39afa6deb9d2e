package inbox

import (
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message"
)

// Address is a mailbox with an optional display name. Email is as written
// (trimmed, without angle brackets); use Key for lookups.
type Address struct {
	Name  string
	Email string
}

// Key returns the lower-cased email address, the form to use for lookups
// and comparisons.
func (a Address) Key() string { return strings.ToLower(a.Email) }

// String formats the address as `Name <email>` or just the email.
func (a Address) String() string {
	if a.Name == "" {
		return a.Email
	}
	return a.Name + " <" + a.Email + ">"
}

// Message is one parsed email. All string fields are valid UTF-8.
type Message struct {
	MessageID  string    // without angle brackets; empty if absent
	From       Address   // zero if missing or unreadable (see Problems)
	Sender     Address   // the Sender: header, if any
	ReplyTo    []Address // the Reply-To: header
	To, Cc     []Address
	Subject    string    // RFC 2047 decoded, any charset, unfolded
	Date       time.Time // zero if missing or unparseable
	InReplyTo  []string  // message ids without angle brackets
	References []string  // message ids without angle brackets, oldest first

	// Header holds every top-level header field in order. Values are
	// unfolded and made valid UTF-8 but not RFC 2047 decoded; use
	// DecodeHeader for display text.
	Header message.Header

	// Text is the plain-text body: the text/plain part(s) if any, else the
	// HTML converted to text. Decoded to UTF-8, line endings are "\n".
	Text string
	// HTML is the text/html body part, if any, decoded to UTF-8.
	HTML string
	// TextFromHTML reports that Text was converted from HTML.
	TextFromHTML bool

	// Attachments lists every non-body leaf part, in order.
	Attachments []Attachment

	Size      int  // bytes read
	Truncated bool // the message was longer than the size limit

	// Problems lists the non-fatal problems met while parsing, in
	// human-readable form. Empty for a well-formed message.
	Problems []string
}

// Attachment describes a non-body part.
type Attachment struct {
	Filename    string // decoded; may be empty
	ContentType string // lower-case media type, e.g. "application/pdf"
	Size        int    // decoded size in bytes
	Inline      bool   // Content-Disposition: inline (e.g. an embedded image)
	ContentID   string // without angle brackets, if any

	// Raw holds the decoded bytes of message/* parts (message/rfc822,
	// message/global, message/delivery-status, ...) and text/rfc822-headers,
	// so that forwarded mail and bounces can be parsed later with
	// ParseBytes. It is nil for every other type.
	Raw []byte
}

// IsMessage reports whether the attachment is an embedded email
// (message/rfc822 or message/global).
func (a Attachment) IsMessage() bool {
	return a.ContentType == "message/rfc822" || a.ContentType == "message/global"
}

func (m *Message) problemf(format string, args ...any) {
	const maxProblems = 50
	if len(m.Problems) >= maxProblems {
		return
	}
	p := sprintf(format, args...)
	if !slices.Contains(m.Problems, p) {
		m.Problems = append(m.Problems, p)
	}
}
