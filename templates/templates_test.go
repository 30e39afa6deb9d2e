package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultsRenderAsAPersonWouldWrite(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Check(); err != nil {
		t.Fatalf("built-in templates fail Check: %v", err)
	}
	for _, name := range []string{"thank-you", "check-in"} {
		r, err := set.Render(name, Sample())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Subject != "Re: Do you have the blue cruiser in a medium?" {
			t.Errorf("%s subject = %q, want a reply to the customer's subject", name, r.Subject)
		}
		if !strings.HasPrefix(r.Text, "Hi Ana,\n") {
			t.Errorf("%s does not greet by first name:\n%s", name, r.Text)
		}
		if !strings.HasSuffix(r.Text, "Pam\nAcme Bikes\n") {
			t.Errorf("%s is not signed by the owner:\n%s", name, r.Text)
		}
		if strings.Contains(r.Text, "\n\n\n") || strings.Contains(r.Text, "{{") {
			t.Errorf("%s left template debris:\n%q", name, r.Text)
		}
	}
}

func TestNamelessCustomerIsGreetedPolitely(t *testing.T) {
	set, _ := Load("")
	d := Sample()
	d.Customer.Name, d.Customer.FirstName = "", ""
	r, err := set.Render("thank-you", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "Hi there,") {
		t.Errorf("text = %q", r.Text)
	}
}

func TestSubjectDataCannotBreakTheLine(t *testing.T) {
	set, _ := Load("")
	d := Sample()
	d.Message.Subject = "hello\r\nBcc: evil@example.net"
	r, err := set.Render("thank-you", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("subject keeps a line break: %q", r.Subject)
	}
}

func TestOwnerTemplateErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown-field", "Subject: hi\n\nHello\n{{.Customer.Nickname}}\n", "unknown-field.txt:4:"},
		{"syntax", "Subject: hi\n\nHello\n{{if .Customer.VIP}}\n{{end}\n", "syntax.txt:5: bad character"},
		{"no-subject", "Hello\n", "no-subject.txt:1: the first line must be"},
		{"bad-subject", "Subject: {{.Nope}}\n\nHello\n", "bad-subject.txt:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, tt.name+".txt"), []byte(tt.src), 0o644)
			set, err := Load(dir)
			if err == nil {
				err = set.Check()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestOwnerFolderOverridesBuiltin(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "thank-you.txt"), []byte("Subject: Thanks {{.Customer.FirstName}}\n\nCheers!\n"), 0o644)
	set, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := set.Render("thank-you", Sample())
	if r.Subject != "Thanks Ana" || r.Text != "Cheers!\n" {
		t.Errorf("rendered = %+v", r)
	}
	if !set.Has("check-in") {
		t.Error("built-in check-in lost when the folder has only thank-you")
	}
}

func TestFirstName(t *testing.T) {
	for in, want := range map[string]string{
		"Ana María López": "Ana",
		"López, Ana":      "Ana",
		"JOHN SMITH":      "John",
		"Dr. Jane Doe":    "Jane",
		"Jean-Luc Picard": "Jean-Luc",
		"Zoë":             "Zoë",
		"李雷":              "李雷",
		"":                "",
		"ana@example.com": "",
		"Acme 2000 Ltd":   "Acme",
		"123":             "",
		"McKenzie Fox":    "McKenzie",
	} {
		if got := FirstName(in); got != want {
			t.Errorf("FirstName(%q) = %q, want %q", in, got, want)
		}
	}
}
