-- 0001: the walking skeleton's tables. Times are unix seconds, UTC.

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,           -- lower-cased address
    name          TEXT    NOT NULL DEFAULT '',
    first_contact INTEGER NOT NULL,
    last_contact  INTEGER NOT NULL,
    contacts      INTEGER NOT NULL DEFAULT 0,
    purchases     INTEGER NOT NULL DEFAULT 0,
    vip           INTEGER NOT NULL DEFAULT 0,
    opted_out     INTEGER NOT NULL DEFAULT 0,         -- unix time of the opt-out, 0 = not
    bouncing      INTEGER NOT NULL DEFAULT 0          -- unix time of the first hard bounce, 0 = not
);

-- Every message the watcher delivered, including skipped and malformed ones.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    mailbox      TEXT    NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    message_key  TEXT    NOT NULL,                    -- Message-ID, or a content hash when absent
    header_msgid TEXT    NOT NULL DEFAULT '',         -- the Message-ID header as written (no brackets)
    customer_id  INTEGER REFERENCES customers(id),
    direction    TEXT    NOT NULL DEFAULT 'in',       -- in | owner
    category     TEXT    NOT NULL DEFAULT '',
    subject      TEXT    NOT NULL DEFAULT '',
    from_addr    TEXT    NOT NULL DEFAULT '',
    date         INTEGER NOT NULL DEFAULT 0,          -- the Date header
    ingested     INTEGER NOT NULL,
    history      INTEGER NOT NULL DEFAULT 0,          -- 1: found on first start, starts nothing
    skip_reason  TEXT    NOT NULL DEFAULT '',
    error        TEXT    NOT NULL DEFAULT '',
    UNIQUE (mailbox, uidvalidity, uid)
);
CREATE UNIQUE INDEX messages_key ON messages(message_key);
CREATE INDEX messages_customer ON messages(customer_id, ingested);

CREATE TABLE followups (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers(id),
    trigger_id      INTEGER NOT NULL REFERENCES messages(id),
    sequence        TEXT    NOT NULL,
    step            INTEGER NOT NULL,
    template        TEXT    NOT NULL,
    recipient       TEXT    NOT NULL DEFAULT 'customer',  -- customer | owner
    due             INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending',   -- pending | sending | sent | failed | cancelled | doubt
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      INTEGER NOT NULL,                     -- ready to send at: due, moved by gates and retries
    smtp_message_id TEXT    NOT NULL DEFAULT '',          -- fixed when first claimed
    last_error      TEXT    NOT NULL DEFAULT '',
    created         INTEGER NOT NULL,
    claimed         INTEGER NOT NULL DEFAULT 0,
    sent            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (trigger_id, sequence, step)
);
-- The dispatcher's scheduled query: the earliest ready pending row.
CREATE INDEX followups_ready ON followups(state, not_before);
CREATE INDEX followups_customer ON followups(customer_id, state);

-- The IMAP checkpoint: everything up to last_uid under uidvalidity is recorded.
CREATE TABLE checkpoints (
    mailbox       TEXT    PRIMARY KEY,
    uidvalidity   INTEGER NOT NULL,
    last_uid      INTEGER NOT NULL DEFAULT 0,
    history_below INTEGER NOT NULL DEFAULT 0,             -- UIDs below this were there on first start
    synced        INTEGER NOT NULL DEFAULT 0              -- last successful sync
);
