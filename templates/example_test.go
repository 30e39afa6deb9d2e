package templates

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTheGuideExampleWorks loads the example from docs/TEMPLATES.md.
func TestTheGuideExampleWorks(t *testing.T) {
	doc, err := os.ReadFile("../docs/TEMPLATES.md")
	if err != nil {
		t.Fatal("no docs/TEMPLATES.md:", err)
	}
	_, example, _ := strings.Cut(string(doc), "## Example")
	blocks := regexp.MustCompile("(?s)```\n(.*?)```").FindAllStringSubmatch(example, -1)
	if len(blocks) < 2 {
		t.Fatalf("found %d code blocks in the example", len(blocks))
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "thank-you.txt"), []byte(blocks[0][1]), 0o644)
	os.WriteFile(filepath.Join(dir, "thank-you.md"), []byte(blocks[1][1]), 0o644)
	set := mustLoad(t, dir)
	rs := mustPreview(t, set, "thank-you", Sample())
	if len(rs) != 2 || rs[0].HTML == "" || !strings.Contains(rs[0].HTML, `<a href="https://acme-bikes.example/hours">`) {
		t.Errorf("example renders %+v", rs)
	}
}
