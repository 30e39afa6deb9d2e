package templates

import (
	"fmt"
	"strings"

	"github.com/followupd/followupd/internal/core"
)

// piece is a slice of a template file: its text and the line (1-based) its
// first line has in the file, so parse and execution errors name true lines.
type piece struct {
	text string
	line int
}

// padded returns the text preceded by line-1 newlines: parsed under the
// file's name, every error then carries the line number of the file.
func (p piece) padded() string {
	return strings.Repeat("\n", max(p.line-1, 0)) + p.text
}

// source is a NAME.txt file split into its parts.
type source struct {
	description string
	asks        core.Asks
	html        string // "" (use NAME.html or NAME.md if present), "true", "false" or "markdown"
	variants    []variantSource
}

// variantSource is one body of a template with its subject, its own or the
// first variant's.
type variantSource struct {
	subject piece
	body    piece
	line    int // where the variant starts (its separator, or the body)
}

const variantSep = "--- variant ---"

// parseSource splits a template file into its header (a "Subject:" line or
// front matter between "---" lines) and its variants.
func parseSource(file, src string) (*source, error) {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	s := &source{}
	var subject piece
	var start int // index of the first body line
	if strings.TrimRight(lines[0], " \t") == "---" {
		end := -1
		for i := 1; i < len(lines) && end < 0; i++ {
			if strings.TrimSpace(lines[i]) == "---" {
				end = i
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("%s:1: front matter is not closed by a \"---\" line", file)
		}
		seen := map[string]bool{}
		for i := 1; i < end; i++ {
			l := strings.TrimSpace(lines[i])
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			key, val, ok := strings.Cut(l, ":")
			key = strings.ToLower(strings.TrimSpace(key))
			if !ok || key == "" {
				return nil, fmt.Errorf("%s:%d: front matter lines are \"key: value\"", file, i+1)
			}
			if seen[key] {
				return nil, fmt.Errorf("%s:%d: %s is set twice", file, i+1, key)
			}
			seen[key] = true
			val = unquote(strings.TrimSpace(val))
			switch key {
			case "subject":
				subject = piece{text: val, line: i + 1}
			case "description":
				s.description = val
			case "asks":
				switch a := core.Asks(strings.ToLower(val)); a {
				case core.AsksRating, core.AsksNothing:
					s.asks = a
				default:
					return nil, fmt.Errorf("%s:%d: asks: %q is not rating (or empty)", file, i+1, val)
				}
			case "html":
				switch v := strings.ToLower(val); v {
				case "true", "yes":
					s.html = "true"
				case "false", "no":
					s.html = "false"
				case "markdown", "md":
					s.html = "markdown"
				default:
					return nil, fmt.Errorf("%s:%d: html: %q is not true, false or markdown", file, i+1, val)
				}
			default:
				return nil, fmt.Errorf("%s:%d: unknown front matter key %q (known: subject, html, description, asks)", file, i+1, key)
			}
		}
		if !seen["subject"] {
			return nil, fmt.Errorf("%s:1: front matter has no subject", file)
		}
		start = end + 1
	} else {
		subj, ok := strings.CutPrefix(lines[0], "Subject:")
		if !ok {
			return nil, fmt.Errorf("%s:1: the first line must be \"Subject: ...\" or \"---\" opening front matter", file)
		}
		subject = piece{text: strings.TrimSpace(subj), line: 1}
		start = 1
	}
	if strings.TrimSpace(subject.text) == "" {
		return nil, fmt.Errorf("%s:%d: the subject is empty", file, subject.line)
	}
	// One blank line separates the header from the body.
	if start < len(lines) && strings.TrimSpace(lines[start]) == "" {
		start++
	}

	// Split the body at "--- variant ---" lines.
	type chunk struct{ from, to, sep int }
	chunks := []chunk{{from: start, sep: start}}
	for i := start; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == variantSep {
			chunks[len(chunks)-1].to = i
			chunks = append(chunks, chunk{from: i + 1, sep: i})
		}
	}
	chunks[len(chunks)-1].to = len(lines)
	for n, c := range chunks {
		v := variantSource{subject: subject, line: c.sep + 1}
		from := c.from
		if n > 0 {
			for from < c.to && strings.TrimSpace(lines[from]) == "" {
				from++
			}
			if from < c.to {
				if subj, ok := strings.CutPrefix(lines[from], "Subject:"); ok {
					v.subject = piece{text: strings.TrimSpace(subj), line: from + 1}
					if strings.TrimSpace(subj) == "" {
						return nil, fmt.Errorf("%s:%d: the subject is empty", file, from+1)
					}
					from++
					if from < c.to && strings.TrimSpace(lines[from]) == "" {
						from++
					}
				}
			}
		}
		v.body = piece{text: strings.Join(lines[from:c.to], "\n"), line: from + 1}
		if strings.TrimSpace(v.body.text) == "" {
			return nil, fmt.Errorf("%s:%d: variant %d has no body", file, v.line, n+1)
		}
		s.variants = append(s.variants, v)
	}
	return s, nil
}

// splitVariants splits an HTML or Markdown companion file at its
// "--- variant ---" lines.
func splitVariants(src string) []piece {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var out []piece
	from := 0
	for i, l := range lines {
		if strings.TrimSpace(l) == variantSep {
			out = append(out, piece{text: strings.Join(lines[from:i], "\n"), line: from + 1})
			from = i + 1
		}
	}
	return append(out, piece{text: strings.Join(lines[from:], "\n"), line: from + 1})
}

// unquote strips one pair of matching quotes around a front matter value.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
