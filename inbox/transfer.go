package inbox

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// Transfer decoding is done here rather than by enmime (which runs with
// RawContent): enmime's base64 cleaner allocates an error value for every
// stray byte, so 25 MiB of junk marked base64 took 30 s and 4.8 GB, and it
// decodes text that is merely mislabelled base64 into garbage. The
// decoders below skip junk silently, count it once, and keep text that
// cannot be base64 as it is.

// transferDecode undoes a part's Content-Transfer-Encoding (cte is the
// header value) leniently. An unknown encoding leaves the bytes as they
// are and records a problem.
func (p *parser) transferDecode(cte string, body []byte) []byte {
	switch cte := transferEncoding(cte); cte {
	case "quoted-printable":
		return decodeQP(body)
	case "base64":
		if !looksBase64(body) {
			p.msg.problemf("part marked base64 is not base64: used as is")
			return body
		}
		out, ok := decodeBase64(body)
		if !ok {
			p.msg.problemf("broken base64 data")
		}
		return out
	case "", "7bit", "8bit", "binary":
		return body
	default:
		p.msg.problemf("unknown Content-Transfer-Encoding %q", cte)
		return body
	}
}

func transferEncoding(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, " ;("); i >= 0 {
		v = v[:i]
	}
	switch v {
	case "7-bit", "7bits":
		return "7bit"
	case "8-bit", "8bits":
		return "8bit"
	}
	return v
}

// decodedSize returns the decoded size of body without decoding base64.
func decodedSize(cte string, body []byte) int {
	switch transferEncoding(cte) {
	case "base64":
		n := 0
		for _, c := range body {
			if isBase64Char(c) {
				n++
			}
		}
		return n * 3 / 4
	case "quoted-printable":
		return len(decodeQP(body))
	}
	return len(body)
}

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// looksBase64 reports whether the first lines of body could be base64:
// text with spaces between words is not.
func looksBase64(body []byte) bool {
	for i, rest := 0, body; i < 20 && len(rest) > 0; i++ {
		line := rest
		if j := bytes.IndexByte(rest, '\n'); j >= 0 {
			line, rest = rest[:j], rest[j+1:]
		} else {
			rest = nil
		}
		if bytes.ContainsAny(bytes.TrimSpace(line), " \t") {
			return false
		}
	}
	return true
}

// decodeBase64 decodes base64 ignoring whitespace, junk characters and
// padding; ok is false if data had to be skipped.
func decodeBase64(body []byte) ([]byte, bool) {
	clean := make([]byte, 0, len(body))
	junk := false
	for _, c := range body {
		switch {
		case isBase64Char(c):
			clean = append(clean, c)
		case c == '=' || c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			junk = true
		}
	}
	if len(clean)%4 == 1 { // a lone trailing sextet carries no byte
		clean = clean[:len(clean)-1]
		junk = true
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	return out[:n], err == nil && !junk
}

// decodeQP decodes quoted-printable, keeping malformed escapes literally.
func decodeQP(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		rest := body[i+1:]
		// Soft line break: "=" then optional spaces then newline.
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		if j < len(rest) && rest[j] == '\n' {
			i += j + 1
			continue
		}
		if j+1 < len(rest) && rest[j] == '\r' && rest[j+1] == '\n' {
			i += j + 2
			continue
		}
		if j == len(rest) { // "=" at the very end
			i += j
			continue
		}
		if len(rest) >= 2 && isHex(rest[0]) && isHex(rest[1]) {
			out = append(out, unhex(rest[0])<<4|unhex(rest[1]))
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
