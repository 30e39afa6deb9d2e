package testserver

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
)

// dovecotBinary returns the path of the dovecot binary, or "".
func dovecotBinary() string {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// dovecotVersion returns major and minor of "dovecot --version"
// ("2.3.19.1 (9b53102964)").
func dovecotVersion(bin string) (major, minor int, err error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, 0, fmt.Errorf("dovecot --version: %w", err)
	}
	f := strings.SplitN(strings.Fields(string(out) + " ")[0], ".", 3)
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("dovecot --version: cannot parse %q", out)
	}
	if major, err = strconv.Atoi(f[0]); err == nil {
		minor, err = strconv.Atoi(f[1])
	}
	if err != nil {
		return 0, 0, fmt.Errorf("dovecot --version: cannot parse %q", out)
	}
	return major, minor, nil
}

// dovecotParams fills the config template.
type dovecotParams struct {
	Port          int
	Dir, BaseDir  string
	MailUID       int
	MailGID       int
	LoginUser     string
	InternalUser  string
	V24           bool
	ConfigVersion string
}

// accounts picks the system users Dovecot runs as. As root it needs an
// unprivileged owner for mail (uid 0 is refused) and two service users;
// otherwise everything runs as the current user.
func accounts(p *dovecotParams) error {
	if os.Geteuid() != 0 {
		cur, err := user.Current()
		if err != nil {
			return err
		}
		p.MailUID, p.MailGID = os.Geteuid(), os.Getegid()
		p.LoginUser, p.InternalUser = cur.Username, cur.Username
		return nil
	}
	mail, err := firstUser("mail", "nobody")
	if err != nil {
		return err
	}
	p.MailUID, _ = strconv.Atoi(mail.Uid)
	p.MailGID, _ = strconv.Atoi(mail.Gid)
	login, err := firstUser("dovenull", "nobody")
	if err != nil {
		return err
	}
	internal, err := firstUser("dovecot", "nobody")
	if err != nil {
		return err
	}
	p.LoginUser, p.InternalUser = login.Username, internal.Username
	return nil
}

func firstUser(names ...string) (*user.User, error) {
	for _, n := range names {
		if u, err := user.Lookup(n); err == nil {
			return u, nil
		}
	}
	return nil, fmt.Errorf("none of the users %v exists", names)
}

// allowTraverse adds the others-execute bit to dir and each of its parents
// that lacks it, so Dovecot's unprivileged processes can reach files in
// dir (t.TempDir() creates 0700 directories). Nothing else is changed.
func allowTraverse(dir string) error {
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return err
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func writeDovecotConfig(path string, p dovecotParams) error {
	var buf bytes.Buffer
	if err := dovecotConf.Execute(&buf, p); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// dovecotConf is written for Dovecot 2.3 and, where names changed, 2.4.
var dovecotConf = template.Must(template.New("dovecot.conf").Parse(`# Written by followupd's testserver; loopback only, for tests.
{{- if .V24}}
dovecot_config_version = {{.ConfigVersion}}
dovecot_storage_version = {{.ConfigVersion}}
{{- end}}
instance_name = followupd-test-{{.Port}}
base_dir = {{.BaseDir}}
state_dir = {{.Dir}}/state
log_path = {{.Dir}}/dovecot.log
info_log_path = {{.Dir}}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
auth_verbose = no
default_login_user = {{.LoginUser}}
default_internal_user = {{.InternalUser}}
first_valid_uid = {{.MailUID}}
first_valid_gid = {{.MailGID}}
mail_uid = {{.MailUID}}
mail_gid = {{.MailGID}}
mail_fsync = never
mailbox_idle_check_interval = 1 secs
{{- if .V24}}
auth_allow_cleartext = yes
mail_driver = maildir
mail_home = {{.Dir}}/mail
mail_path = {{.Dir}}/mail/Maildir
passdb passwd-file {
  passwd_file_path = {{.Dir}}/passwd
}
userdb static {
  fields {
    home = {{.Dir}}/mail
  }
}
{{- else}}
disable_plaintext_auth = no
mail_location = maildir:{{.Dir}}/mail/Maildir
passdb {
  driver = passwd-file
  args = {{.Dir}}/passwd
}
userdb {
  driver = static
  args = uid={{.MailUID}} gid={{.MailGID}} home={{.Dir}}/mail
}
{{- end}}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    port = {{.Port}}
  }
  inet_listener imaps {
    port = 0
  }
}
`))
