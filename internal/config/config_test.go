package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/core"
)

const examplePath = "../../config.example.toml"

func TestExampleFileLoadsAndValidates(t *testing.T) {
	t.Setenv("FOLLOWUPD_IMAP_PASSWORD", "example-secret")
	cfg, err := Load(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"business.name", cfg.Business.Name, "Acme Bikes"},
		{"business.owner_email", cfg.Business.OwnerEmail, "owner@example.test"},
		{"location", cfg.Business.Location.String(), "America/Chicago"},
		{"imap.address", cfg.IMAP.Address, "127.0.0.1:1143"},
		{"imap.security", cfg.IMAP.Security, "none"},
		{"imap secret", cfg.IMAP.Secret, "example-secret"},
		{"smtp.from", cfg.SMTP.From, "Pam at Acme Bikes <shop@example.test>"},
		{"smtp secret", cfg.SMTP.Secret, ""},
		{"sequences", len(cfg.Sequences), 4},
		{"complaint reminder to the owner", cfg.Sequences[2].Steps[2].To, core.ToOwner},
		{"resolved sequence", cfg.Sequences[3].On, core.EventResolved},
		{"sequence name", cfg.Sequences[0].Name, "new-contact"},
		{"sequence on", cfg.Sequences[0].On, core.EventInquiry},
		{"steps", len(cfg.Sequences[0].Steps), 2},
		{"second step after", cfg.Sequences[0].Steps[1].After.Duration, 3 * 24 * time.Hour},
		{"second step template", cfg.Sequences[0].Steps[1].Template, "check-in"},
		{"templates.dir", cfg.Templates.Dir, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.what, c.got, c.want)
		}
	}
}

func TestExampleFileWithoutThePasswordNamesTheVariable(t *testing.T) {
	t.Setenv("FOLLOWUPD_IMAP_PASSWORD", "")
	_, err := Load(examplePath)
	if err == nil || !strings.Contains(err.Error(), "imap.password_env: environment variable FOLLOWUPD_IMAP_PASSWORD is not set") {
		t.Fatalf("error = %v; want it to name imap.password_env", err)
	}
}

// TestExampleFileDocumentsEveryKey fails when a key is added to Config
// without being shown (set or commented out) in config.example.toml.
func TestExampleFileDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	example := string(data)
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("toml"), ",")
			if name == "" || name == "-" {
				continue
			}
			ft := typ.Field(i).Type
			if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != durationType {
				if !regexp.MustCompile(`(?m)^#? ?\[\[?`+name+`\]?\]`).MatchString(example) && prefix == "" {
					t.Errorf("config.example.toml has no [%s] table", name)
				}
				walk(prefix+name+".", ft)
				continue
			}
			// A key shown as `key = ...`, in a comment or in an inline table.
			if !regexp.MustCompile(`(^|[\s{#,])` + name + ` = `).MatchString(example) {
				t.Errorf("config.example.toml does not show %s%s", prefix, name)
			}
		}
	}
	walk("", reflect.TypeOf(Config{}))
}

func TestFindPrefersFlagThenEnvironmentThenDefault(t *testing.T) {
	tests := []struct {
		name, flag, env, want string
	}{
		{"FlagWins", "/etc/flag.toml", "/etc/env.toml", "/etc/flag.toml"},
		{"EnvironmentWithoutFlag", "", "/etc/env.toml", "/etc/env.toml"},
		{"DefaultWithNeither", "", "", "followupd.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("FOLLOWUPD_CONFIG", tt.env)
			if got := Find(tt.flag); got != tt.want {
				t.Errorf("Find(%q) with $FOLLOWUPD_CONFIG=%q = %q; want %q", tt.flag, tt.env, got, tt.want)
			}
		})
	}
}
