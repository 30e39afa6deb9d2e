package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPasswordFileIsReadRelativeToTheConfigDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "imap.pass"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(valid, `password = "hunter2"`, `password_file = "imap.pass"`, 1) +
		"[store]\npath = \"state/followupd.db\"\n[templates]\ndir = \"/srv/templates\"\n"
	path := filepath.Join(dir, "followupd.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.IMAP.Secret != "s3cret" {
		t.Errorf("imap secret = %q; want the file's content without its newline", cfg.IMAP.Secret)
	}
	if want := filepath.Join(dir, "state", "followupd.db"); cfg.Store.Path != want {
		t.Errorf("store.path = %q; want %q", cfg.Store.Path, want)
	}
	if cfg.Templates.Dir != "/srv/templates" {
		t.Errorf("templates.dir = %q; want the absolute path unchanged", cfg.Templates.Dir)
	}

	if err := os.Remove(filepath.Join(dir, "imap.pass")); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	want := path + ":6: imap.password_file: cannot read " + filepath.Join(dir, "imap.pass") + ": no such file or directory"
	if got := problemStrings(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("problems = %q; want %q", got, want)
	}
}

func TestPasswordEnvIsResolved(t *testing.T) {
	t.Setenv("FOLLOWUPD_TEST_PASSWORD", "from-env")
	src := strings.Replace(valid, `password = "hunter2"`, `password_env = "FOLLOWUPD_TEST_PASSWORD"`, 1)
	cfg, err := Parse("f.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.IMAP.Secret != "from-env" {
		t.Errorf("imap secret = %q; want %q", cfg.IMAP.Secret, "from-env")
	}
}
