package inbox

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// validUTF8 returns b unchanged if it is valid UTF-8. Otherwise text that
// is mostly UTF-8 gets U+FFFD for its broken bytes, and anything else is
// read as windows-1252, the usual charset of undeclared 8-bit mail.
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	multi, invalid := 0, 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1:
			multi++
		}
		i += n
	}
	if multi > invalid {
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return bytes.ToValidUTF8(out, []byte("\uFFFD"))
}

func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string(validUTF8([]byte(s)))
}

func sprintf(format string, args ...any) string {
	return validString(fmt.Sprintf(format, args...))
}

// normCharset returns the lower-cased charset name without quotes or an
// RFC 2231 language suffix.
func normCharset(cs string) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	cs = strings.TrimPrefix(cs, "charset=")
	if i := strings.IndexByte(cs, '*'); i >= 0 {
		cs = cs[:i]
	}
	return cs
}

// toUTF8 converts b from the named charset to valid UTF-8. ok is false if
// the charset is unknown, in which case b is used as is (or as
// windows-1252 if it is not UTF-8).
func toUTF8(cs string, b []byte) (s string, ok bool) {
	switch normCharset(cs) {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8":
		return string(validUTF8(b)), true
	}
	r, err := charset.Reader(normCharset(cs), bytes.NewReader(b))
	if err != nil {
		return string(validUTF8(b)), false
	}
	out, err := io.ReadAll(r)
	if err != nil && len(out) == 0 {
		return string(validUTF8(b)), false
	}
	return string(validUTF8(out)), true
}

// wordDecoder returns an RFC 2047 decoder for any charset go-message
// knows. An unknown charset does not fail: the bytes are kept (made valid
// UTF-8 later) and a problem is recorded.
func (p *parser) wordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(cs string, input io.Reader) (io.Reader, error) {
		r, err := charset.Reader(normCharset(cs), input)
		if err != nil {
			p.msg.problemf("unknown charset %q in header", cs)
			return input, nil
		}
		return r, nil
	}}
}

// decodeWords decodes the RFC 2047 encoded words in a header value. Runs
// of adjacent encoded words in one charset are joined first, so that a
// character split across two words survives: mime.WordDecoder (and
// enmime.DecodeRFC2047, built on it) decode word by word, and enmime's
// decoder leaves the whole value undecoded on an unknown charset.
func (p *parser) decodeWords(v string) string {
	if !strings.Contains(v, "=?") {
		return validString(v)
	}
	v = mergeEncodedWords(v)
	out, err := p.wordDecoder().DecodeHeader(v)
	if err != nil {
		return validString(v)
	}
	return validString(out)
}

var encodedWord = regexp.MustCompile(`=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=`)

// mergeEncodedWords rewrites each run of whitespace-separated encoded
// words that share a charset as one base64 encoded word holding their
// concatenated bytes. Runs it cannot decode are left alone.
func mergeEncodedWords(v string) string {
	locs := encodedWord.FindAllStringSubmatchIndex(v, 50)
	if len(locs) < 2 {
		return v
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(locs); {
		j := i + 1
		cs := normCharset(v[locs[i][2]:locs[i][3]])
		for j < len(locs) && strings.TrimSpace(v[locs[j-1][1]:locs[j][0]]) == "" &&
			normCharset(v[locs[j][2]:locs[j][3]]) == cs {
			j++
		}
		if j-i > 1 {
			if raw, ok := wordBytes(v, locs[i:j]); ok {
				b.WriteString(v[last:locs[i][0]])
				b.WriteString("=?" + cs + "?b?" + base64.StdEncoding.EncodeToString(raw) + "?=")
				last = locs[j-1][1]
			}
		}
		i = j
	}
	b.WriteString(v[last:])
	return b.String()
}

func wordBytes(v string, locs [][]int) ([]byte, bool) {
	var raw []byte
	for _, l := range locs {
		text := v[l[6]:l[7]]
		var dec []byte
		var ok bool
		if v[l[4]] == 'b' || v[l[4]] == 'B' {
			dec, ok = decodeBase64Word(text)
		} else {
			dec, ok = decodeQWord(text)
		}
		if !ok {
			return nil, false
		}
		raw = append(raw, dec...)
	}
	return raw, true
}

func decodeBase64Word(s string) ([]byte, bool) {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

func decodeQWord(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=':
			if i+3 > len(s) {
				return nil, false
			}
			h, err := hex.DecodeString(s[i+1 : i+3])
			if err != nil {
				return nil, false
			}
			out = append(out, h[0])
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out, true
}
