-- Timed token locks (README, "Token lock"): five wrong codes in a row lock a token until
-- `locked_until`; each further lock doubles the time (15 minutes, at most 24 hours). `lock_count`
-- counts the locks since the last right code or agent unlock and sets the next lock's length.
ALTER TABLE tokens ADD COLUMN locked_until timestamptz;
ALTER TABLE tokens ADD COLUMN lock_count integer NOT NULL DEFAULT 0 CHECK (lock_count >= 0);
-- Tokens locked under the old rule (until an agent unlocked them) get the first lock's 15 minutes
-- from when they were locked: most are free at once, as the new rule would have left them.
UPDATE tokens SET locked_until = COALESCE(locked_at, now()) + interval '15 minutes', lock_count = 1
WHERE status = 'locked';
ALTER TABLE tokens ADD CONSTRAINT tokens_locked_until_ck CHECK (status <> 'locked' OR locked_until IS NOT NULL);
