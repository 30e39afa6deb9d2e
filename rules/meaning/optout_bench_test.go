package meaning

import (
	"strings"
	"testing"
)

// BenchmarkWantsOptOut measures the opt-out check on a long ordinary
// message, which every ingest pays for.
func BenchmarkWantsOptOut(b *testing.B) {
	text := strings.Repeat("Hello Pam, the bike I bought last week is great but the bell rattles when I ride over cobblestones. "+
		"Could you take a look at it on Saturday? I don't mind waiting, and I can get there by ten. Thanks again! ", 15)
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		if WantsOptOut("Bell rattles", text) {
			b.Fatal("an ordinary message counted as an opt-out")
		}
	}
}
