// Package inbox watches an IMAP mailbox and parses raw mail into Message
// values; it knows nothing of SQL or templates.
//
// Parse is lenient: malformed MIME structure, unknown charsets or transfer
// encodings, 8-bit headers and missing fields produce a Message whose
// Problems list says what was wrong, never a panic. Every string field of a
// parsed Message is valid UTF-8.
package inbox
