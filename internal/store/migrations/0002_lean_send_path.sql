-- Fewer pages written per follow-up sent (each is a WAL frame on commit).

-- The dispatcher only ever looks for pending rows: an index of those
-- alone is left untouched when a claimed row becomes sent, failed or in
-- doubt. Listings by other states scan the table; they are rare.
DROP INDEX followups_ready;
CREATE INDEX followups_pending ON followups(not_before) WHERE state = 'pending';

-- Per-customer lookups filter the customer's few rows by state; keeping
-- state out of the key means a state change does not move the entry.
DROP INDEX followups_customer;
CREATE INDEX followups_customer ON followups(customer_id);

-- Recording a customer follow-up as sent also records when the customer
-- last got automatic mail, in the same statement: one autocommit write
-- instead of a transaction of two.
CREATE TRIGGER followups_sent_to_customer AFTER UPDATE OF state ON followups
WHEN NEW.state = 'sent' AND OLD.state <> 'sent' AND NEW.recipient = 'customer'
BEGIN
    UPDATE customers SET last_auto = MAX(last_auto, NEW.sent), last_contact = MAX(last_contact, NEW.sent)
    WHERE id = NEW.customer_id;
END;
