package config

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// Load reads the config file at path, decodes it onto the defaults,
// validates it, resolves relative paths (store.path, templates.dir,
// password_file) against the file's directory and resolves the passwords.
// On any problem it returns a nil *Config and an *Error holding every
// problem found.
func Load(path string) (*Config, error) { return load(path, true) }

// LoadWithoutSecrets is Load for the commands that connect to no server
// (status, inspect, plan, queue, ...): passwords are neither required nor
// read, so an unset password_env does not stop them. Everything else is
// checked as by Load.
func LoadWithoutSecrets(path string) (*Config, error) { return load(path, false) }

func load(path string, secrets bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{Problems: []Problem{{File: path, Msg: "cannot read: " + err.Error()}}}
	}
	if !secrets {
		return parse(path, data, nil)
	}
	return Parse(path, data)
}

// Parse is Load on the contents of a file already read: name is the file's
// path, used in problems and to resolve relative paths. Passwords are
// resolved too, from the process environment and the file system.
func Parse(name string, data []byte) (*Config, error) {
	return parse(name, data, os.Getenv)
}

// parse decodes and checks data; a nil getenv skips the passwords.
func parse(name string, data []byte, getenv func(string) string) (*Config, error) {
	ps := &problems{file: name}
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		return nil, &Error{Problems: []Problem{syntaxProblem(name, data, err)}}
	}
	ps.lines = indexLines(string(data))

	cfg := Default()
	cfg.File = name
	cfg.lines = ps.lines
	decodeInto(ps, tree, cfg)
	validate(ps, cfg)
	resolve(ps, cfg, filepath.Dir(name), getenv)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// resolve makes relative paths absolute against dir (if dir is), fills in
// the HELO name, and resolves the passwords into the Secret fields.
func resolve(ps *problems, cfg *Config, dir string, getenv func(string) string) {
	cfg.Store.Path = resolvePath(dir, cfg.Store.Path)
	cfg.Templates.Dir = resolvePath(dir, cfg.Templates.Dir)
	if cfg.SMTP.Helo == "" {
		cfg.SMTP.Helo = "localhost"
		if h, err := os.Hostname(); err == nil && h != "" {
			cfg.SMTP.Helo = h
		}
	}

	if getenv == nil {
		return
	}
	i := &cfg.IMAP
	i.Secret = resolvePassword(ps, "imap", passwordSource{i.Password, i.PasswordEnv, i.PasswordFile}, true, getenv, dir)
	s := &cfg.SMTP
	src := passwordSource{s.Password, s.PasswordEnv, s.PasswordFile}
	if s.Username == "" && src != (passwordSource{}) {
		ps.add("smtp.username", "is required when a password is set (empty username means no AUTH)")
		return
	}
	token := len(s.TokenCommand) > 0 || s.TokenFile != ""
	s.Secret = resolvePassword(ps, "smtp", src, s.Username != "" && !token, getenv, dir)
	if s.TokenFile != "" && !filepath.IsAbs(s.TokenFile) {
		s.TokenFile = filepath.Join(dir, s.TokenFile)
	}
}
