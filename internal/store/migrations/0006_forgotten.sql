-- 0006: the addresses whose customers asked to be forgotten (followupd
-- forget). Each is kept only as an HMAC-SHA256 keyed with this
-- installation's secret (meta forget_secret), so that the address is never
-- written to again and cannot be read back, not even by trying a list of
-- addresses without the secret.
CREATE TABLE forgotten (
    hash TEXT PRIMARY KEY,
    at   INTEGER NOT NULL
);
