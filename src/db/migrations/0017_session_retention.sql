-- The purge of refresh tokens a day past their expiry (retention/purge.ts) walks this index from its oldest
-- end; sessions follow once they have no token left (refresh_tokens_session answers that).
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
