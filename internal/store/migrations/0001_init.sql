-- 0001: followupd's tables. Times are unix seconds, UTC; 0 means "never".

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,           -- lower-cased address
    name          TEXT    NOT NULL DEFAULT '',
    first_contact INTEGER NOT NULL,
    last_contact  INTEGER NOT NULL,                   -- any contact, either way
    last_inbound  INTEGER NOT NULL DEFAULT 0,         -- the customer last wrote
    last_owner    INTEGER NOT NULL DEFAULT 0,         -- the owner last answered (Bcc'd reply, #resolved)
    last_auto     INTEGER NOT NULL DEFAULT 0,         -- followupd last sent them something
    -- "Since" is decided by message ids, which only grow, not by clock
    -- times, which can tie: the newest message they wrote, and the newest
    -- by which the owner answered them.
    inbound_seq   INTEGER NOT NULL DEFAULT 0,
    owner_seq     INTEGER NOT NULL DEFAULT 0,
    contacts      INTEGER NOT NULL DEFAULT 0,         -- messages from them (or forwarded for them)
    purchases     INTEGER NOT NULL DEFAULT 0,
    vip           INTEGER NOT NULL DEFAULT 0,
    opted_out     INTEGER NOT NULL DEFAULT 0,         -- when they opted out, 0 = not
    opt_out_why   TEXT    NOT NULL DEFAULT '',
    bouncing      INTEGER NOT NULL DEFAULT 0,         -- first permanent bounce, 0 = not
    bounce_why    TEXT    NOT NULL DEFAULT ''
);
-- The quiet scan: customers by last contact.
CREATE INDEX customers_last_contact ON customers(last_contact);

-- Every message the watcher delivered, including skipped and malformed ones.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    mailbox      TEXT    NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    message_key  TEXT    NOT NULL,                    -- Message-ID, or a content hash when absent
    header_msgid TEXT    NOT NULL DEFAULT '',         -- the customer's Message-ID to answer in the thread (no brackets)
    customer_id  INTEGER REFERENCES customers(id),
    kind         TEXT    NOT NULL DEFAULT 'customer', -- customer | reply | forward | owner-reply | owner-command | unattributed | bounce | auto | self | malformed
    category     TEXT    NOT NULL DEFAULT '',
    rule         TEXT    NOT NULL DEFAULT '',         -- the classification rule that matched
    tags         TEXT    NOT NULL DEFAULT '',         -- owner tags, space-separated
    subject      TEXT    NOT NULL DEFAULT '',
    from_addr    TEXT    NOT NULL DEFAULT '',
    excerpt      TEXT    NOT NULL DEFAULT '',         -- the start of the customer's own words
    date         INTEGER NOT NULL DEFAULT 0,          -- the Date header
    arrived      INTEGER NOT NULL DEFAULT 0,          -- IMAP INTERNALDATE
    ingested     INTEGER NOT NULL,
    history      INTEGER NOT NULL DEFAULT 0,          -- found on first start: starts nothing
    skip_reason  TEXT    NOT NULL DEFAULT '',
    error        TEXT    NOT NULL DEFAULT '',
    review       INTEGER NOT NULL DEFAULT 0,          -- 1: for the owner to look at (unattributed forward)
    followup_id  INTEGER REFERENCES followups(id),    -- the follow-up this replies to
    UNIQUE (mailbox, uidvalidity, uid)
);
CREATE UNIQUE INDEX messages_key ON messages(message_key);
CREATE INDEX messages_customer ON messages(customer_id, ingested);
CREATE INDEX messages_review ON messages(review) WHERE review = 1;

CREATE TABLE cases (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    message_id  INTEGER REFERENCES messages(id),      -- the complaint that opened it
    subject     TEXT    NOT NULL DEFAULT '',
    opened      INTEGER NOT NULL,
    resolved    INTEGER NOT NULL DEFAULT 0,
    resolved_by TEXT    NOT NULL DEFAULT ''           -- tag | command | owner-reply
);
-- At most one open case per customer.
CREATE UNIQUE INDEX cases_open ON cases(customer_id) WHERE resolved = 0;

CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    followup_id INTEGER REFERENCES followups(id),
    rating      INTEGER NOT NULL DEFAULT 0,           -- 1-5, 0 = none given
    text        TEXT    NOT NULL DEFAULT '',
    received    INTEGER NOT NULL
);
CREATE INDEX feedback_received ON feedback(received);

CREATE TABLE followups (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers(id),
    trigger_key     TEXT    NOT NULL,                     -- the event: "m:<message id>", "r:<case id>", "q:<customer>:<time>"
    event           TEXT    NOT NULL,                     -- inquiry | purchase | complaint | feedback | other | resolved | quiet
    trigger_time    INTEGER NOT NULL,
    trigger_seq     INTEGER NOT NULL DEFAULT 0,           -- the newest message id when it was triggered
    thread_id       INTEGER REFERENCES messages(id),      -- the customer's message to answer in the thread
    case_id         INTEGER REFERENCES cases(id),
    sequence        TEXT    NOT NULL,
    step            INTEGER NOT NULL,
    template        TEXT    NOT NULL,
    recipient       TEXT    NOT NULL DEFAULT 'customer',  -- customer | owner
    conditions      TEXT    NOT NULL DEFAULT '',          -- the step's `when`, space-separated
    stop_on_reply   INTEGER NOT NULL DEFAULT 1,
    first_time      INTEGER NOT NULL DEFAULT 0,           -- the customer was first-time at the trigger
    due             INTEGER NOT NULL,
    not_before      INTEGER NOT NULL,                     -- ready to send at: due, moved by gates and retries
    state           TEXT    NOT NULL DEFAULT 'pending',   -- pending | sending | sent | failed | cancelled | skipped | doubt
    attempts        INTEGER NOT NULL DEFAULT 0,
    smtp_message_id TEXT    NOT NULL DEFAULT '',          -- fixed when first claimed
    variant         TEXT    NOT NULL DEFAULT '',          -- the template variant sent
    last_error      TEXT    NOT NULL DEFAULT '',          -- or why it waits, was skipped or cancelled
    created         INTEGER NOT NULL,
    claimed         INTEGER NOT NULL DEFAULT 0,
    dot             INTEGER NOT NULL DEFAULT 0,           -- the final dot of DATA was about to be written: the server may have it
    sent            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (trigger_key, sequence, step)
);
-- The dispatcher's scheduled query: the earliest ready pending row.
CREATE INDEX followups_ready ON followups(state, not_before);
CREATE INDEX followups_customer ON followups(customer_id, state);
CREATE INDEX followups_msgid ON followups(smtp_message_id) WHERE smtp_message_id <> '';
CREATE INDEX followups_sent ON followups(sent) WHERE sent <> 0;

-- The IMAP checkpoint: everything up to last_uid under uidvalidity is recorded.
CREATE TABLE checkpoints (
    mailbox       TEXT    PRIMARY KEY,
    uidvalidity   INTEGER NOT NULL,
    last_uid      INTEGER NOT NULL DEFAULT 0,
    history_below INTEGER NOT NULL DEFAULT 0,             -- UIDs below this were there on first start
    synced        INTEGER NOT NULL DEFAULT 0              -- last successful sync
);
