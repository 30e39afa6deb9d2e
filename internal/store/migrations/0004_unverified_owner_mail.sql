-- 0004: mail from the owner's address that could not be verified as the
-- owner's is kept whole until the owner approves it (followupd approve),
-- so that the approval applies exactly what arrived.
CREATE TABLE held_mail (
	message_id INTEGER PRIMARY KEY REFERENCES messages(id),
	raw BLOB NOT NULL
);
