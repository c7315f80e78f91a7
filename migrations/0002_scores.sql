-- The library: one row per stored score; its bytes live in the object store under object_key.
CREATE TABLE scores (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  object_key text NOT NULL UNIQUE,
  content_type text NOT NULL,
  sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bigint NOT NULL CHECK (bytes >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX scores_created_at ON scores (created_at DESC);
