-- 0005: limits that an attack meets and a small shop's day does not.

-- When followupd first wrote to each customer: the new-recipient limit
-- counts the addresses first written to in the last hour.
ALTER TABLE customers ADD COLUMN first_auto INTEGER NOT NULL DEFAULT 0;
UPDATE customers SET first_auto = COALESCE((SELECT MIN(f.sent) FROM followups f
    WHERE f.customer_id = customers.id AND f.state = 'sent' AND f.recipient = 'customer'), 0);
CREATE INDEX customers_first_auto ON customers(first_auto) WHERE first_auto <> 0;

DROP TRIGGER followups_sent_to_customer;
CREATE TRIGGER followups_sent_to_customer AFTER UPDATE OF state ON followups
WHEN NEW.state = 'sent' AND OLD.state <> 'sent' AND NEW.recipient = 'customer'
BEGIN
    UPDATE customers SET last_auto = MAX(last_auto, NEW.sent), last_contact = MAX(last_contact, NEW.sent),
        first_auto = CASE WHEN first_auto = 0 THEN NEW.sent ELSE first_auto END
    WHERE id = NEW.customer_id;
END;

-- released = 1: the owner let a held follow-up go (followupd approve);
-- no limit holds it again. A held one's not_before is when it was held.
ALTER TABLE followups ADD COLUMN released INTEGER NOT NULL DEFAULT 0;
CREATE INDEX followups_held ON followups(not_before) WHERE state = 'held';
