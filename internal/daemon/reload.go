package daemon

import (
	"reflect"

	"github.com/followupd/followupd/internal/config"
)

// Reload replaces the config, templates and rules with cfg's, after
// checking them all. On any problem it returns the error (with file and
// line) and the running config stays in force. Settings the running
// connections and store were made from (imap, smtp, store, admin) take
// effect only after a restart; the returned list names those that changed.
func (d *Daemon) Reload(cfg *config.Config) (restartNeeded []string, err error) {
	lv, err := Prepare(cfg)
	if err != nil {
		return nil, err
	}
	old := d.conf()
	for name, pair := range map[string][2]any{
		"imap":  {stripSecret(old.IMAP), stripSecret(cfg.IMAP)},
		"smtp":  {stripSMTP(old.SMTP), stripSMTP(cfg.SMTP)},
		"store": {old.Store, cfg.Store},
		"admin": {old.Admin, cfg.Admin},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			restartNeeded = append(restartNeeded, name)
		}
	}
	// Keep what was started from the old config.
	cfg.IMAP, cfg.SMTP, cfg.Store, cfg.Admin = old.IMAP, old.SMTP, old.Store, old.Admin
	lv.cfg = cfg
	for _, w := range lv.Warnings() {
		d.log.Warn(w)
	}
	d.cur.Store(lv)
	d.kickDispatcher()
	return restartNeeded, nil
}

func stripSecret(c config.IMAP) config.IMAP { c.Secret = ""; return c }
func stripSMTP(c config.SMTP) config.SMTP   { c.Secret = ""; return c }
