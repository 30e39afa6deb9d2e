package store

/*
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_api_routines sqlite3_api_routines;

// The SQLite library is the one github.com/mattn/go-sqlite3 links in; the
// declarations are weak so that cgo's own test link of this package alone
// succeeds, and the final link binds them to the real functions.
extern int sqlite3_auto_extension(void (*)(void)) __attribute__((weak));
extern int sqlite3_db_config(sqlite3*, int, ...) __attribute__((weak));

#define FOLLOWUPD_DBCONFIG_ENABLE_QPSG 1007

static int followupd_qpsg_rc = -1;

static int followupd_qpsg(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
	int on = 0;
	int rc = sqlite3_db_config(db, FOLLOWUPD_DBCONFIG_ENABLE_QPSG, 1, &on);
	followupd_qpsg_rc = rc == 0 && on == 1 ? 0 : (rc ? rc : 1);
	return rc;
}

static int followupd_register_qpsg(void) {
	if (!sqlite3_auto_extension || !sqlite3_db_config) return -1;
	return sqlite3_auto_extension((void (*)(void))followupd_qpsg);
}

static int followupd_qpsg_result(void) { return followupd_qpsg_rc; }
*/
import "C"

import (
	"fmt"
	"sync"
)

// qpsgOnce makes every SQLite connection this process opens run with the
// query planner stability guarantee (SQLITE_DBCONFIG_ENABLE_QPSG).
//
// Why: since SQLite 3.5x the planner marks a bound parameter compared
// with "=" in a join (and any LIMIT ?) as one whose value may change the
// plan, and go-sqlite3 calls sqlite3_clear_bindings before every run of a
// cached statement, which expires such a statement. So every join the
// store runs was parsed and planned again each time: 46 µs of a 55 µs
// follow-up read, and most of a claim. With the QPSG on, plans do not
// depend on bound values (ours never should: they are all key lookups),
// nothing is marked, and the statement cache works. There is no Go API
// or PRAGMA for it; an auto-extension runs for each new connection.
var qpsgOnce = sync.OnceValue(func() error {
	if rc := C.followupd_register_qpsg(); rc != 0 {
		return fmt.Errorf("register the SQLite connection setup (rc %d)", int(rc))
	}
	return nil
})

// qpsgResult is the outcome of the last connection setup: 0 when the
// planner stability guarantee was switched on, -1 when no connection ran
// it, else SQLite's error code.
func qpsgResult() int { return int(C.followupd_qpsg_result()) }
