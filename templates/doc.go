// Package templates loads, checks and renders the follow-up emails.
//
// A template NAME is a file NAME.txt: a header, then the plain-text body in
// Go text/template syntax, executed against Data with missingkey=error. The
// header is either a first line "Subject: ..." followed by a blank line, or
// front matter between two "---" lines holding "key: value" lines (subject,
// required; html: true, false or markdown; description).
//
// The body may hold several variants separated by "--- variant ---" lines;
// each may start with its own "Subject:" line. Render picks the variant a
// customer has not received yet (see Set.Render), so the same customer does
// not get the same words twice; Rendered.Variant is a key, the name and a
// hash of the variant's text, that the caller stores and passes back.
//
// An optional NAME.html (html/template) or NAME.md (Markdown) next to
// NAME.txt, with one body per variant, adds an HTML part: Rendered.HTML,
// for multipart/alternative. Markdown is executed with every value
// Markdown-escaped, then rendered by goldmark without raw HTML and without
// dangerous links, and put in a minimal HTML document; "html: markdown" in
// the front matter renders the .txt body itself that way. Text from email
// never becomes markup, and a subject is always one line.
//
// Files named _NAME.txt are partials, called as {{template "NAME" .}}
// (_NAME.html for HTML templates; Markdown uses _NAME.md, else _NAME.txt).
//
// The built-in defaults are embedded; a folder given by the owner overrides
// them name by name (NAME.txt with its HTML, and each partial). Every file
// is parsed at Load, and Check renders every variant, text and HTML, against
// Sample data, so unknown fields and syntax errors are reported with file
// and line before anything is sent. Templates never send mail. See
// docs/TEMPLATES.md for the owner's guide.
package templates
