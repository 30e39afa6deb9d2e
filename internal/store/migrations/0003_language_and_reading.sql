-- 0003: the customer's language, and how each message was read.

-- An ISO 639-1 code ("de", "nb"), '' until a confident detection or the
-- owner says; language_by_owner = 1 once the owner set it (#lang:xx,
-- followupd customer -lang), after which detection leaves it alone.
ALTER TABLE customers ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN language_by_owner INTEGER NOT NULL DEFAULT 0;

-- The reading of a customer's message: its language, whether the evidence
-- was close (unsure: answered neutrally, shown in the digest), the
-- evidence itself (JSON), and why nothing was planned for it, if so.
ALTER TABLE messages ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN unanswered TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_attention ON messages(ingested) WHERE unsure = 1 OR unanswered <> '';
