package templates

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeFiles writes name → content into a new temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustLoad(t *testing.T, dir string) *Set {
	t.Helper()
	set, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := set.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	return set
}

var ownerFacing = map[string]bool{"owner-alert": true, "owner-reminder": true, "owner-surge": true, "digest": true}

func TestDefaultsRenderAsAPersonWouldWrite(t *testing.T) {
	set := mustLoad(t, "")
	want := []string{"apology", "check-in", "digest", "feedback-request", "owner-alert", "owner-reminder", "owner-surge",
		"satisfaction-check", "stay-in-touch", "thank-you"}
	if got := strings.Join(set.Names(), " "); got != strings.Join(want, " ") {
		t.Fatalf("defaults = %s, want %s", got, strings.Join(want, " "))
	}

	nameless := Sample()
	nameless.Customer.Name = ""
	sparse := Sample() // what the daemon may pass: nothing optional
	sparse.Case, sparse.Digest, sparse.Surge, sparse.Promised, sparse.Unsubscribe = nil, nil, nil, 0, ""
	sparse.Message.Text, sparse.Business.Address = "", ""
	sparse.Customer.FirstTime = false
	datas := []struct {
		name  string
		d     Data
		hello string
	}{
		{"sample", Sample(), "Ana,\n"},
		{"nameless", nameless, "there,\n"},
		{"sparse", sparse, "Ana,\n"},
	}
	for _, name := range want {
		for _, dd := range datas {
			t.Run(name+"/"+dd.name, func(t *testing.T) {
				rs, err := set.Preview(name, "", dd.d)
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) == 0 {
					t.Fatal("no variants")
				}
				for _, r := range rs {
					for _, debris := range []string{"{{", "}}", "<no value>", "\n\n\n", "%!", " ,", "  "} {
						if strings.Contains(r.Text, debris) || strings.Contains(r.Subject, debris) {
							t.Errorf("%s left %q:\n%s\n\n%s", r.Variant, debris, r.Subject, r.Text)
						}
					}
					if r.HTML != "" {
						t.Errorf("%s: the defaults are plain text, got HTML", r.Variant)
					}
					if ownerFacing[name] {
						if !strings.HasPrefix(r.Text, "Hi Pam,\n") {
							t.Errorf("%s does not greet the owner:\n%s", r.Variant, r.Text)
						}
						if strings.Contains(r.Text, "rather I didn't write") {
							t.Errorf("%s tells the owner how to unsubscribe:\n%s", r.Variant, r.Text)
						}
						continue
					}
					if !strings.HasPrefix(r.Text, "Hi "+dd.hello) && !strings.HasPrefix(r.Text, "Hello "+dd.hello) {
						t.Errorf("%s does not greet %q:\n%s", r.Variant, dd.hello, r.Text)
					}
					if !strings.Contains(r.Text, "\nPam\nAcme Bikes\n") {
						t.Errorf("%s is not signed by the owner:\n%s", r.Variant, r.Text)
					}
					// Every customer email says how to stop them: the link
					// when there is one, else a "stop" reply.
					want := "\nIf you'd rather I didn't write like this again, just reply \"stop\".\n"
					if dd.d.Unsubscribe != "" {
						want = "\nIf you'd rather I didn't write like this again, you can stop these emails here: " + dd.d.Unsubscribe + "\n"
					}
					if !strings.Contains(r.Text, want) {
						t.Errorf("%s: no unsubscribe footer %q:\n%s", r.Variant, want, r.Text)
					}
					if name != "stay-in-touch" && r.Subject != "Re: Do you have the blue cruiser in a medium?" {
						t.Errorf("%s subject = %q, want a reply to the customer's subject", r.Variant, r.Subject)
					}
					for _, pushy := range []string{"!!", "offer", "discount", "% off", "buy now", "limited"} {
						if strings.Contains(strings.ToLower(r.Text), pushy) {
							t.Errorf("%s sounds like marketing (%q):\n%s", r.Variant, pushy, r.Text)
						}
					}
				}
			})
		}
	}
}

func TestDefaultsSayWhatTheyAreFor(t *testing.T) {
	set := mustLoad(t, "")
	sample := Sample()
	tests := []struct {
		template string
		want     []string // in every variant
	}{
		{"apology", []string{"sorry", "personally within 24 hours"}},
		{"check-in", []string{"check in"}},
		{"feedback-request", []string{"1 to 5", "own words"}},
		{"satisfaction-check", []string{"Do you have the blue cruiser"}},
		{"stay-in-touch", []string{"while"}},
		{"owner-alert", []string{"Ana López <ana@example.com>", "case #42", "> Hi, do you have the blue cruiser",
			"Bcc shop@example.com with #resolved", "followupd resolve ana@example.com", "within 24 hours"}},
		{"owner-reminder", []string{"Ana López <ana@example.com>", "open 2 days", "within 24 hours", "nearly up", "followupd resolve ana@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			rs, err := set.Preview(tt.template, "", sample)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				for _, w := range tt.want {
					if !strings.Contains(r.Text, w) {
						t.Errorf("%s lacks %q:\n%s", r.Variant, w, r.Text)
					}
				}
			}
		})
	}
}

func TestRepeatCustomerIsWelcomedBack(t *testing.T) {
	set := mustLoad(t, "")
	for _, repeat := range []bool{false, true} {
		d := Sample()
		d.Customer.FirstTime = !repeat
		rs, err := set.Preview("thank-you", "", d)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) < 2 {
			t.Fatalf("thank-you has %d variants, want several", len(rs))
		}
		for _, r := range rs {
			if got := strings.Contains(r.Text, "Good to hear from you again"); got != repeat {
				t.Errorf("repeat=%v: %s welcomes back = %v:\n%s", repeat, r.Variant, got, r.Text)
			}
		}
	}
}

func TestNamelessCustomerIsGreetedPolitely(t *testing.T) {
	set := mustLoad(t, "")
	d := Sample()
	d.Customer.Name = ""
	r, err := set.Render("thank-you", "", d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "Hi there,") {
		t.Errorf("text = %q", r.Text)
	}
}

func TestSubjectDataCannotBreakTheLine(t *testing.T) {
	set := mustLoad(t, "")
	d := Sample()
	d.Message.Subject = "hello\r\nBcc: evil@example.net"
	d.Customer.Name = "Eve\nBcc: evil@example.net"
	for _, name := range set.Names() {
		r, err := set.Render(name, "", d, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(r.Subject, "\r\n") {
			t.Errorf("%s subject keeps a line break: %q", name, r.Subject)
		}
	}
}

func TestOwnerTemplateErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"unknown-field", map[string]string{"unknown-field.txt": "Subject: hi\n\nHello\n{{.Customer.Nickname}}\n"}, "unknown-field.txt:4:"},
		{"syntax", map[string]string{"syntax.txt": "Subject: hi\n\nHello\n{{if .Customer.VIP}}\n{{end}\n"}, "syntax.txt:5: bad character"},
		{"no-subject", map[string]string{"no-subject.txt": "Hello\n"}, "no-subject.txt:1: the first line must be"},
		{"bad-subject", map[string]string{"bad-subject.txt": "Subject: {{.Nope}}\n\nHello\n"}, "bad-subject.txt:1:"},
		{"unknown-field-in-second-variant", map[string]string{"v.txt": "Subject: hi\n\nHello\n--- variant ---\nSubject: yo\n\nHey\n{{.Customer.Nickname}}\n"}, "v.txt:8:"},
		{"unknown-field-in-variant-subject", map[string]string{"v.txt": "Subject: hi\n\nHello\n--- variant ---\nSubject: {{.Nope}}\n\nHey\n"}, "v.txt:5:"},
		{"unknown-field-after-front-matter", map[string]string{"fm.txt": "---\nsubject: hi\ndescription: x\n---\n\nHello\n{{.Case.Nope}}\n"}, "fm.txt:7:"},
		{"unknown-field-in-front-matter-subject", map[string]string{"fm.txt": "---\ndescription: x\nsubject: {{.Nope}}\n---\nHello\n"}, "fm.txt:3:"},
		{"unknown-front-matter-key", map[string]string{"fm.txt": "---\nsubject: hi\nfrom: me\n---\nHello\n"}, `fm.txt:3: unknown front matter key "from"`},
		{"unclosed-front-matter", map[string]string{"fm.txt": "---\nsubject: hi\nHello\n"}, "fm.txt:1: front matter is not closed"},
		{"front-matter-without-subject", map[string]string{"fm.txt": "---\ndescription: hi\n---\nHello\n"}, "fm.txt:1: front matter has no subject"},
		{"bad-html-value", map[string]string{"fm.txt": "---\nsubject: hi\nhtml: maybe\n---\nHello\n"}, `fm.txt:3: html: "maybe"`},
		{"empty-variant", map[string]string{"v.txt": "Subject: hi\n\nHello\n--- variant ---\n\n"}, "v.txt:4: variant 2 has no body"},
		{"same-variant-twice", map[string]string{"v.txt": "Subject: hi\n\nHello\n--- variant ---\nHello\n"}, "v.txt:4: variant 2 says the same as variant 1"},
		{"unknown-field-in-markdown", map[string]string{"m.txt": "Subject: hi\n\nHello\n", "m.md": "Hello\n\n**{{.Customer.Nickname}}**\n"}, "m.md:3:"},
		{"unknown-field-in-markdown-variant", map[string]string{"m.txt": "Subject: hi\n\nHello\n--- variant ---\nHey\n", "m.md": "Hello\n--- variant ---\nHey\n{{.Nope}}\n"}, "m.md:4:"},
		{"unknown-field-in-html", map[string]string{"h.txt": "Subject: hi\n\nHello\n", "h.html": "<p>Hello</p>\n<p>{{.Customer.Nickname}}</p>\n"}, "h.html:2:"},
		{"markdown-missing-a-variant", map[string]string{"m.txt": "Subject: hi\n\nHello\n--- variant ---\nHey\n", "m.md": "Hello\n"}, "m.md: 1 variants, but"},
		{"html-and-markdown", map[string]string{"m.txt": "Subject: hi\n\nHello\n", "m.md": "Hello\n", "m.html": "<p>Hello</p>"}, "keep one of them"},
		{"markdown-without-text", map[string]string{"m.md": "Hello\n"}, "m.md: there is no m.txt next to it"},
		{"html-true-without-file", map[string]string{"m.txt": "---\nsubject: hi\nhtml: true\n---\nHello\n"}, "m.txt:1: html: true, but there is no m.html or m.md"},
		{"html-false-with-file", map[string]string{"m.txt": "---\nsubject: hi\nhtml: false\n---\nHello\n", "m.html": "<p>x</p>"}, "says html: false"},
		{"missing-partial", map[string]string{"p.txt": "Subject: hi\n\nHello\n{{template \"nope\" .}}\n"}, `p.txt:4:`},
		{"unknown-field-in-partial", map[string]string{"_ps.txt": "P.S. {{.Nope}}\n", "p.txt": "Subject: hi\n\nHello\n{{template \"ps\" .}}\n"}, `_ps.txt:1:`},
		{"html-partial-missing", map[string]string{"h.txt": "Subject: hi\n\nHello\n", "h.html": "<p>Hello</p>\n{{template \"signature\" .}}\n"}, `h.html:2:`},
		{"bad-name", map[string]string{"Thank You.txt": "Subject: hi\n\nHello\n"}, "Thank You.txt: template names are lower-case"},
		// The built-in templates, in every language, call the owner's signature.
		{"owner-partial-breaks-builtin", map[string]string{"_signature.txt": "{{.Nope}}\n"}, "_signature.txt:1:"},
		{"owner-translation-breaks", map[string]string{"thank-you.de.txt": "Subject: Danke\n\n{{.Kunde}}\n"}, "thank-you.de.txt:3:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			set, err := Load(dir)
			if err == nil {
				// What the daemon checks when it starts: every template
				// an owner's file is in.
				err = set.CheckOwner()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the file with its folder", err)
			}
		})
	}
}

func TestOwnerFolderOverridesBuiltin(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"thank-you.txt":      "Subject: Thanks {{.Customer.FirstName}}\n\nCheers!\n",
		"README.md":          "notes for myself",
		".thank-you.txt.swp": "junk",
	})
	set := mustLoad(t, dir)
	r, err := set.Render("thank-you", "", Sample(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Thanks Ana" || r.Text != "Cheers!\n" || r.HTML != "" {
		t.Errorf("rendered = %+v", r)
	}
	if !set.Has("check-in") {
		t.Error("built-in check-in lost when the folder has only thank-you")
	}
}

func TestMissingFolderIsAnError(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("Load of a missing folder succeeded")
	}
}

func TestFrontMatterFormat(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"welcome.txt": "---\n# a comment\nsubject: \"Welcome, {{.Customer.FirstName}}\"\ndescription: First hello\n---\n\nHi {{.Customer.FirstName}},\n\nWelcome.\n",
		"plain.txt":   "---\nSubject: {{reply .Message.Subject}}\n---\nHello\n",
	})
	set := mustLoad(t, dir)
	r, err := set.Render("welcome", "", Sample(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Welcome, Ana" || r.Text != "Hi Ana,\n\nWelcome.\n" {
		t.Errorf("rendered = %+v", r)
	}
	if got := set.Description("welcome"); got != "First hello" {
		t.Errorf("description = %q", got)
	}
	if r, _ := set.Render("plain", "", Sample(), nil); r.Subject != "Re: Do you have the blue cruiser in a medium?" || r.Text != "Hello\n" {
		t.Errorf("plain = %+v", r)
	}
}

func TestVariantWithItsOwnSubject(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"note.txt": "Subject: First\n\nOne\n--- variant ---\nSubject: Second {{.Customer.FirstName}}\n\nTwo\n--- variant ---\n\nThree\n",
	})
	set := mustLoad(t, dir)
	rs, err := set.Preview("note", "", Sample())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Subject+"|"+r.Text)
	}
	if want := "First|One\n Second Ana|Two\n First|Three\n"; strings.Join(got, " ") != want {
		t.Errorf("variants = %q, want %q", strings.Join(got, " "), want)
	}
}

func TestCustomerNeverGetsTheSameVariantTwiceUntilAllAreUsed(t *testing.T) {
	set := mustLoad(t, "")
	for _, email := range []string{"ana@example.com", "bo@example.org", "carla@example.net", "dan@example.net"} {
		t.Run(email, func(t *testing.T) {
			d := Sample()
			d.Customer.Email = email
			n := len(mustPreview(t, set, "thank-you", d))
			var seen []string
			for i := 0; i < 3*n; i++ {
				r, err := set.Render("thank-you", "", d, seen)
				if err != nil {
					t.Fatal(err)
				}
				if i >= n && r.Variant != seen[i-n] {
					t.Errorf("send %d: got %s, want the one seen longest ago, %s (seen %v)", i+1, r.Variant, seen[i-n], seen)
				}
				if i < n {
					for _, s := range seen {
						if s == r.Variant {
							t.Errorf("send %d repeats %s before every variant was used (seen %v)", i+1, r.Variant, seen)
						}
					}
				}
				again, _ := set.Render("thank-you", "", d, seen)
				if again.Variant != r.Variant {
					t.Errorf("send %d: the choice is not deterministic: %s then %s", i+1, r.Variant, again.Variant)
				}
				seen = append(seen, r.Variant)
			}
		})
	}
}

func TestSeenVariantsOfOtherTemplatesAndOldKeysAreIgnored(t *testing.T) {
	set := mustLoad(t, "")
	d := Sample()
	first, _ := set.Render("check-in", "", d, nil)
	got, _ := set.Render("check-in", "", d, []string{"thank-you/00000000", "check-in/deadbeef"})
	if got.Variant != first.Variant {
		t.Errorf("unrelated keys changed the choice: %s, want %s", got.Variant, first.Variant)
	}
}

func TestDifferentCustomersSpreadOverTheVariants(t *testing.T) {
	set := mustLoad(t, "")
	count := map[string]int{}
	for i := range 60 {
		d := Sample()
		d.Customer.Email = fmt.Sprintf("customer%d@example.com", i)
		r, err := set.Render("thank-you", "", d, nil)
		if err != nil {
			t.Fatal(err)
		}
		count[r.Variant]++
	}
	if n := len(mustPreview(t, set, "thank-you", Sample())); len(count) != n {
		t.Fatalf("60 customers got %d of the %d variants: %v", len(count), n, count)
	}
	for v, c := range count {
		if c < 5 {
			t.Errorf("variant %s went to only %d of 60 customers: %v", v, c, count)
		}
	}
}

func TestEditingAVariantChangesOnlyItsKey(t *testing.T) {
	before := mustPreview(t, mustLoad(t, writeFiles(t, map[string]string{"n.txt": "Subject: hi\n\nOne\n--- variant ---\nTwo\n"})), "n", Sample())
	after := mustPreview(t, mustLoad(t, writeFiles(t, map[string]string{"n.txt": "Subject: hi\n\nOne\n--- variant ---\nTwo, edited\n"})), "n", Sample())
	if before[0].Variant != after[0].Variant {
		t.Errorf("untouched variant changed key: %s → %s", before[0].Variant, after[0].Variant)
	}
	if before[1].Variant == after[1].Variant {
		t.Errorf("edited variant kept its key %s", before[1].Variant)
	}
	if !strings.HasPrefix(before[0].Variant, "n/") {
		t.Errorf("key %q does not start with the template name", before[0].Variant)
	}
}

func mustPreview(t *testing.T, set *Set, name string, d Data) []Rendered {
	t.Helper()
	rs, err := set.Preview(name, "", d)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestOwnerPartialOverridesDefault(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"_signature.txt": "Warmly,\n{{.Business.OwnerName}} at {{.Business.Name}}\n",
		"_ps.txt":        "P.S. We're open Saturdays.",
		"hello.txt":      "Subject: hi\n\nHello\n\n{{template \"signature\" .}}\n{{template \"ps\" .}}\n",
	})
	set := mustLoad(t, dir)
	r, err := set.Render("hello", "", Sample(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Hello\n\nWarmly,\nPam at Acme Bikes\nP.S. We're open Saturdays.\n"; r.Text != want {
		t.Errorf("text = %q, want %q", r.Text, want)
	}
	for _, r := range mustPreview(t, set, "thank-you", Sample()) {
		if !strings.Contains(r.Text, "Warmly,\nPam at Acme Bikes\n") {
			t.Errorf("built-in %s does not use the owner's signature:\n%s", r.Variant, r.Text)
		}
	}
}

// hostile is customer data that tries to become markup.
func hostile() Data {
	d := Sample()
	d.Customer.Name = `<script>alert("name")</script>`
	d.Message.From = "**Ana**"
	d.Message.Subject = "[x](javascript:alert(1))"
	d.Message.Text = "<img src=x onerror=alert(1)> [click](javascript:alert(2)) **loud** _quiet_ `code` &amp;\n\n# Big\n\n- item\n<https://evil.example>"
	return d
}

func TestMarkdownEscapesCustomerData(t *testing.T) {
	body := "Hi **{{.Message.From}}**,\n\nYou are {{.Customer.Name}} and wrote about {{.Message.Subject}}:\n\n{{.Message.Text}}\n\n" +
		"[Write to us](mailto:{{.Business.Address}}?subject={{.Message.Subject}})\n\n{{template \"signature\" .}}\n"
	tests := []struct {
		name  string
		files map[string]string
	}{
		{"companion-file", map[string]string{"t.txt": "Subject: {{reply .Message.Subject}}\n\nHi\n", "t.md": body}},
		{"html-markdown-front-matter", map[string]string{"t.txt": "---\nsubject: {{reply .Message.Subject}}\nhtml: markdown\n---\n" + body}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := mustLoad(t, writeFiles(t, tt.files))
			r, err := set.Render("t", "", hostile(), nil)
			if err != nil {
				t.Fatal(err)
			}
			h := r.HTML
			if n := strings.Count(h, "<a "); n != 1 {
				t.Errorf("%d links, want only the owner's one:\n%s", n, h)
			}
			for _, bad := range []string{"<script", "<img", `href="javascript`, "<strong>loud", "<em>quiet", "<code>", "<h1>", "<li>", `href="https://evil`, "raw HTML"} {
				if strings.Contains(h, bad) {
					t.Errorf("customer data became markup %q:\n%s", bad, h)
				}
			}
			for _, good := range []string{
				"<!DOCTYPE html>", "<title>Re: [x](javascript:alert(1))</title>",
				"<strong>**Ana**</strong>",                  // the owner's bold around the literal name
				"&lt;script&gt;",                            // the name, shown
				"[click](javascript:alert(2)) **loud**",     // the words, as written
				`<a href="mailto:shop@example.com?subject=`, // the owner's link works
				"Pam<br>\nAcme Bikes",                       // hard wraps: the signature keeps its lines
			} {
				if !strings.Contains(h, good) {
					t.Errorf("HTML lacks %q:\n%s", good, h)
				}
			}
			if strings.Contains(r.Subject, "\n") || !strings.HasPrefix(r.Subject, "Re: ") {
				t.Errorf("subject = %q", r.Subject)
			}
		})
	}
}

func TestMarkdownTextPartIsTheSourceWithDataAsWritten(t *testing.T) {
	set := mustLoad(t, writeFiles(t, map[string]string{
		"t.txt": "---\nsubject: hi\nhtml: markdown\n---\nHi **{{.Message.From}}**,\n\nThanks.\n",
	}))
	r, err := set.Render("t", "", hostile(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "Hi ****Ana****,\n\nThanks.\n" {
		t.Errorf("text = %q", r.Text)
	}
	if !strings.Contains(r.HTML, "<p>Thanks.</p>") {
		t.Errorf("html = %s", r.HTML)
	}
}

func TestHTMLTemplateEscapesCustomerData(t *testing.T) {
	set := mustLoad(t, writeFiles(t, map[string]string{
		"t.txt":           "Subject: hi\n\nHi {{.Customer.FirstName}}\n--- variant ---\nHello {{.Customer.FirstName}}\n",
		"t.html":          "<p>Hi {{.Customer.Name}}</p><p><a href=\"{{.Message.Subject}}\">you wrote</a></p>{{template \"signature\" .}}\n--- variant ---\n<p>Hello {{.Customer.Name}}</p>\n",
		"_signature.html": "<p>{{.Business.OwnerName}}<br>{{.Business.Name}}</p>",
	}))
	rs := mustPreview(t, set, "t", hostile())
	h := rs[0].HTML
	if strings.Contains(h, "<script") || strings.Contains(h, "javascript:") {
		t.Errorf("customer data became markup:\n%s", h)
	}
	for _, good := range []string{"&lt;script&gt;", "#ZgotmplZ", "<p>Pam<br>Acme Bikes</p>", "<!DOCTYPE html>"} {
		if !strings.Contains(h, good) {
			t.Errorf("HTML lacks %q:\n%s", good, h)
		}
	}
	if !strings.Contains(rs[1].HTML, "<p>Hello &lt;script&gt;") {
		t.Errorf("second variant's HTML = %s", rs[1].HTML)
	}
}

func TestDigestShowsOnlyWhatHappened(t *testing.T) {
	set := mustLoad(t, "")
	headings := map[string]func(*Digest){
		"Promises about to run out": func(d *Digest) { d.Expiring = nil },
		"Open complaints":           func(d *Digest) { d.OpenCases = nil },
		"could not be sent":         func(d *Digest) { d.Failed = nil },
		"Maybe sent":                func(d *Digest) { d.InDoubt = nil },
		"couldn't match":            func(d *Digest) { d.Unattributed = nil },
		"could not verify as yours": func(d *Digest) { d.Unverified = nil },
		"marked as spam":            func(d *Digest) { d.Suspect = nil },
		"What customers told you":   func(d *Digest) { d.Feedback = nil },
		"New customers":             func(d *Digest) { d.NewCustomers = nil },
		"Planned for tomorrow":      func(d *Digest) { d.Tomorrow = nil },
	}
	full, err := set.Render("digest", "", Sample(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for h := range headings {
		if !strings.Contains(full.Text, h) {
			t.Errorf("full digest lacks %q:\n%s", h, full.Text)
		}
	}
	for h, clear := range headings {
		t.Run(h, func(t *testing.T) {
			d := Sample()
			clear(d.Digest)
			r, err := set.Render("digest", "", d, nil)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(r.Text, h) {
				t.Errorf("empty section %q shown:\n%s", h, r.Text)
			}
			if strings.Contains(r.Text, "\n\n\n") || strings.Contains(r.Text, ":\n\n") {
				t.Errorf("section left a gap:\n%s", r.Text)
			}
		})
	}
	d := Sample()
	d.Digest = &Digest{Date: d.Now}
	r, err := set.Render("digest", "", d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Hi Pam,\n\nNothing needs you today: no complaints waiting, no promises running out, nothing failed.\n\nfollowupd\n"; r.Text != want {
		t.Errorf("empty digest = %q, want %q", r.Text, want)
	}
	if r.Subject != "Acme Bikes today: Thu 5 Mar" {
		t.Errorf("subject = %q", r.Subject)
	}
}

func TestDigestEmpty(t *testing.T) {
	var nilDigest *Digest
	tests := []struct {
		name string
		d    *Digest
		want bool
	}{
		{"nil", nilDigest, true},
		{"only a date", &Digest{Date: time.Now()}, true},
		{"sample", Sample().Digest, false},
		{"one failure", &Digest{Failed: []DigestFollowup{{ID: 1}}}, false},
		{"one for tomorrow", &Digest{Tomorrow: []DigestFollowup{{ID: 1}}}, false},
	}
	for _, tt := range tests {
		if got := tt.d.Empty(); got != tt.want {
			t.Errorf("%s: Empty() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSampleFillsEveryField(t *testing.T) {
	d := Sample()
	if d.Case == nil || d.Digest == nil || d.Unsubscribe == "" || d.Promised == 0 || d.Now.IsZero() ||
		d.Message.Text == "" || d.Message.From == "" || d.Message.Category == "" || d.Followup.Template == "" ||
		d.Business.Address == "" || d.Case.Resolved.IsZero() {
		t.Errorf("Sample leaves fields empty: %+v", d)
	}
	g := d.Digest
	for name, n := range map[string]int{"NewCustomers": len(g.NewCustomers), "OpenCases": len(g.OpenCases), "Expiring": len(g.Expiring),
		"Feedback": len(g.Feedback), "Unattributed": len(g.Unattributed), "Failed": len(g.Failed), "InDoubt": len(g.InDoubt), "Tomorrow": len(g.Tomorrow)} {
		if n != 1 {
			t.Errorf("Sample digest has %d %s, want 1", n, name)
		}
	}
}

func TestRenderingIsSafeConcurrently(t *testing.T) {
	set := mustLoad(t, writeFiles(t, map[string]string{
		"t.txt":  "Subject: hi\n\nHi\n",
		"t.html": "<p>Hi {{.Customer.Name}}</p>",
		"m.txt":  "---\nsubject: hi\nhtml: markdown\n---\nHi {{.Customer.Name}}\n",
	}))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			d := hostile()
			d.Customer.Email = fmt.Sprintf("c%d@example.com", i)
			for _, n := range set.Names() {
				if _, err := set.Render(n, "", d, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestUnknownTemplate(t *testing.T) {
	set := mustLoad(t, "")
	if _, err := set.Render("nope", "", Sample(), nil); err == nil {
		t.Error("Render of an unknown template succeeded")
	}
	if _, err := set.Preview("nope", "", Sample()); err == nil {
		t.Error("Preview of an unknown template succeeded")
	}
}

func TestWindowsLineEndingsAndBOMAreRead(t *testing.T) {
	set := mustLoad(t, writeFiles(t, map[string]string{
		"w.txt": "\ufeff---\r\nsubject: hi\r\n---\r\n\r\nHello\r\n--- variant ---\r\nSubject: yo\r\n\r\nHey\r\n",
	}))
	rs := mustPreview(t, set, "w", Sample())
	if len(rs) != 2 || rs[0].Subject != "hi" || rs[0].Text != "Hello\n" || rs[1].Subject != "yo" || rs[1].Text != "Hey\n" {
		t.Errorf("rendered %+v", rs)
	}
}
