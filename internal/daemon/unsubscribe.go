package daemon

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// unsubscriber makes and checks the tokens in List-Unsubscribe links, so
// that an unsubscribe request names the customer even when it comes from
// another address (a forwarding alias) or through the one-click URL.
type unsubscriber struct{ secret []byte }

// Token returns the token for email: the address itself, readable only
// as base64, and an HMAC over it.
func (u unsubscriber) Token(email string) string {
	email = strings.ToLower(email)
	m := hmac.New(sha256.New, u.secret)
	m.Write([]byte(email))
	return base64.RawURLEncoding.EncodeToString([]byte(email)) + "." + hex.EncodeToString(m.Sum(nil))[:20]
}

// Verify returns the address a token was made for.
func (u unsubscriber) Verify(token string) (string, bool) {
	token = strings.TrimSpace(strings.Fields(token + " ")[0])
	enc, _, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	email := string(b)
	if !hmac.Equal([]byte(u.Token(email)), []byte(token)) {
		return "", false
	}
	return email, true
}
