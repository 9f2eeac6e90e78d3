-- Starts-with and ends-with filters on a user's name and email (v3 `name[sw]`, `email[ew]=@example.com`), of
-- any length, as btree ranges: the trigram indexes of 0002 cannot serve a pattern of fewer than three
-- letters, and a broad pattern (every @gmail.com address) made them recheck tens of thousands of rows in the
-- table. A prefix is a range of lower(x); a suffix is a prefix of reverse(lower(x)). text_pattern_ops makes
-- LIKE 'abc%' an index range whatever the database's collation. The column itself comes along (INCLUDE):
-- an index-only scan cannot read a column through an expression of it, and totals count index entries.
CREATE INDEX users_reseller_name_prefix ON users (tenant_id, reseller_id, lower(name) text_pattern_ops)
  INCLUDE (name) WHERE deleted_at IS NULL;
CREATE INDEX users_reseller_name_suffix ON users (tenant_id, reseller_id, reverse(lower(name)) text_pattern_ops)
  INCLUDE (name) WHERE deleted_at IS NULL;
CREATE INDEX users_reseller_email_prefix ON users (tenant_id, reseller_id, lower(email) text_pattern_ops)
  INCLUDE (email) WHERE deleted_at IS NULL;
CREATE INDEX users_reseller_email_suffix ON users (tenant_id, reseller_id, reverse(lower(email)) text_pattern_ops)
  INCLUDE (email) WHERE deleted_at IS NULL;

-- The planner ignores the statistics of partial expression indexes (see users_lower_email): these let it
-- tell a broad pattern (a whole mail domain) from a narrow one, to pick the sort's index or the pattern's.
CREATE STATISTICS users_lower_name ON (lower(name)) FROM users;
CREATE STATISTICS users_reverse_lower_name ON (reverse(lower(name))) FROM users;
CREATE STATISTICS users_reverse_lower_email ON (reverse(lower(email))) FROM users;
