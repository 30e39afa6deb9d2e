package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// passwordSource is where one account's password comes from: at most one
// of a literal, an environment variable's name or a file's path.
type passwordSource struct {
	literal, env, file string
}

// resolvePassword returns the password of the account at section ("imap"
// or "smtp"). required says whether a password must be given; getenv and
// dir (the config file's directory, for a relative password_file) are
// passed in so the caller controls them. Problems never quote the secret.
func resolvePassword(ps *problems, section string, src passwordSource, required bool, getenv func(string) string, dir string) string {
	var set []string
	if src.literal != "" {
		set = append(set, "password")
	}
	if src.env != "" {
		set = append(set, "password_env")
	}
	if src.file != "" {
		set = append(set, "password_file")
	}
	switch {
	case len(set) > 1:
		ps.add(section+"."+set[1], "set only one of %s", strings.Join(set, ", "))
		return ""
	case len(set) == 0:
		if required {
			ps.add(section, "one of password, password_env or password_file is required")
		}
		return ""
	}
	switch set[0] {
	case "password":
		return src.literal
	case "password_env":
		v := getenv(src.env)
		if v == "" {
			ps.add(section+".password_env", "environment variable %s is not set or is empty", src.env)
		}
		return v
	default:
		path := resolvePath(dir, src.file)
		b, err := os.ReadFile(path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is printed below; the rest is noise
			}
			ps.add(section+".password_file", "cannot read %s: %v", path, err)
			return ""
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			ps.add(section+".password_file", "%s is empty", path)
		}
		return v
	}
}

// resolvePath returns p relative to dir unless p is empty or absolute.
func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
