-- Scoped API keys. Only the sha256 of a key's secret is stored: the secret is shown once, when
-- `deno task keys create` makes it, and a request's key is found by the hash of what it presents.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  secret_sha256 char(64) NOT NULL UNIQUE CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
  -- read: read endpoints when they are not public; write: uploads; admin: deletes (and all else).
  scopes text[] NOT NULL
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']::text[]),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A revoked key is kept, so `list` still names it, but no longer admitted.
  revoked_at timestamptz,
  -- Moved at most once a minute per key, so busy keys do not write on every request.
  last_used_at timestamptz
);
