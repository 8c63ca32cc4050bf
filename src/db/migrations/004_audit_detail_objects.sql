-- audit_log.detail was written as a jsonb STRING holding the JSON of the detail object (the
-- repository stringified it and postgres.js stringified it again as the jsonb parameter), so
-- detail->>'callSid' was null on every row. Turn each such row into the object it holds; rows that
-- already hold an object (or no detail) are left alone. Only strings that hold a JSON object are
-- touched: the repository never wrote anything else.
UPDATE audit_log
SET detail = (detail #>> '{}')::jsonb
WHERE jsonb_typeof(detail) = 'string'
  AND left(ltrim(detail #>> '{}'), 1) = '{';
