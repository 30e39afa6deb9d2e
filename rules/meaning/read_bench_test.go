package meaning

import (
	"strings"
	"testing"
)

// BenchmarkRead reads about a kilobyte of a customer's words, in English
// and in German, the cue files already compiled.
func BenchmarkRead(b *testing.B) {
	texts := map[string]string{
		"en": "Hello, I ordered the blue city bike three weeks ago and it still has not arrived; the tracking has not moved since Monday. " +
			"I wrote to you twice already and nobody answered. Could you please tell me what is going on, and if it is lost, send another one or refund me? " +
			"I needed it for my daughter's birthday this weekend, which is now ruined. I have always liked your shop and bought from you many times, " +
			"but this is really not good enough. Please call me back today if you can, my number is in the order. Thanks, Ana. " +
			"PS: the bell I bought last time works well, and the lights were a good price.",
		"de": "Guten Tag, ich habe vor drei Wochen das blaue Stadtrad bestellt und es ist immer noch nicht angekommen; die Sendungsverfolgung zeigt seit Montag nichts Neues. " +
			"Ich habe Ihnen schon zweimal geschrieben und niemand hat geantwortet. Können Sie mir bitte sagen, was los ist, und falls es verloren ist, ein neues schicken oder mir das Geld erstatten? " +
			"Ich brauchte es für den Geburtstag meiner Tochter am Wochenende, der jetzt verdorben ist. Ich kaufe seit Jahren bei Ihnen, " +
			"aber das ist wirklich nicht in Ordnung. Bitte rufen Sie mich heute zurück. Danke, Anna.",
	}
	for name, text := range texts {
		Read(Input{Text: text}) // compile the cues first
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				Read(Input{Subject: "Order " + strings.Repeat("1", 5), Text: text})
			}
		})
	}
}
