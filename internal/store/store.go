// Package store keeps followupd's state in SQLite: customers, every message
// seen, planned and sent follow-ups, and the IMAP checkpoint. It owns the
// schema (embedded, versioned migrations), every query and every
// transaction boundary, and knows nothing of IMAP, SMTP or templates.
//
// Times are stored as unix seconds, UTC. The database runs in WAL mode with
// foreign keys on and a busy timeout; the process holds one connection, so
// it is the one writer. The file is created with mode 0600.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

// Store is an open followupd database. It is safe for concurrent use.
type Store struct {
	db   uninterrupted
	path string
	// tightened says which files were readable by others when opened,
	// and were made 0600.
	tightened []string
}

// uninterrupted runs statements without letting their context cancel
// them. Every statement the store runs is short (key lookups, single-row
// writes, batches of at most a few thousand rows), and a context that can
// be cancelled costs go-sqlite3 a goroutine and a hand-off for every
// statement (so that it can interrupt it), which on the send path cost
// more than the statements. Nothing waits long for the one connection
// either: whoever holds it runs such statements.
type uninterrupted struct{ *sql.DB }

func (d uninterrupted) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (d uninterrupted) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (d uninterrupted) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

func (d uninterrupted) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	return d.DB.BeginTx(context.WithoutCancel(ctx), opts)
}

// Open opens (creating if needed, mode 0600) the database at path and
// applies any pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: empty path")
	}
	// Create the file ourselves so its mode is 0600; SQLite gives the -wal
	// and -shm files the same mode as the database.
	if err := qpsgOnce(); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	f.Close()
	// On every open, not only the first: a copy restored from a backup,
	// or a file made by hand, may be readable by anyone on the machine.
	tightened, err := tighten(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}

	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// Deleted content is overwritten with zeros: what followupd forget
	// removes is gone from the file, not only unlinked.
	q.Set("_secure_delete", "on")
	// Keep prepared statements: the same few queries run for every
	// message and follow-up, and preparing them was a tenth of ingest.
	q.Set("_stmt_cache_size", "128")
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// One connection: this process is the database's one writer, and
	// transactions never wait on each other inside SQLite.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate store %s: %w", path, err)
	}
	// SQLite made the -wal and -shm files now if they were not there.
	more, err := tighten(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	return &Store{db: uninterrupted{db}, path: path, tightened: append(tightened, more...)}, nil
}

// Tightened says which of the database's files (the database, its -wal
// and -shm) were readable or writable by others when it was opened; each
// was made 0600.
func (s *Store) Tightened() []string { return s.tightened }

// tighten makes the database file and its -wal and -shm files 0600, and
// says which were looser.
func tighten(path string) ([]string, error) {
	var out []string
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return out, err
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			if err := os.Chmod(p, 0o600); err != nil {
				return out, err
			}
			out = append(out, fmt.Sprintf("%s was mode %04o: made 0600 (customer data is for followupd's user alone)", p, mode))
		}
	}
	return out, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner = interface{ Scan(...any) error }

// collect reads every row of a query, given as QueryContext returned it,
// with scan; what names the query in errors.
func collect[T any](rows *sql.Rows, err error, what string, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
