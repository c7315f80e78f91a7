-- The library's index: scores gain their metadata and indexing state, their excerpts, the jobs
-- that index and delete them, and the replay cache of signed webhook deliveries.

ALTER TABLE scores
  ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb
    CHECK (jsonb_typeof(metadata) = 'object'),
  ADD COLUMN status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'indexed', 'failed')),
  -- upload: POST /v1/scores, under a content-addressed key; hook: an object put straight into the
  -- bucket and announced by an object-created event.
  ADD COLUMN source text NOT NULL DEFAULT 'upload' CHECK (source IN ('upload', 'hook')),
  -- NULL for rows written before this migration, which no code wrote.
  ADD COLUMN format text
    CHECK (format IN ('musicxml', 'mxl', 'mei', 'abc', 'humdrum', 'image')),
  -- The store's entity tag of the indexed bytes: a hook event for the same tag changes nothing.
  ADD COLUMN etag text,
  -- The score as MEI (Verovio's encoding, or recognized from an image): what excerpts and, later,
  -- their renderings are cut from. Written by the parse step.
  ADD COLUMN mei text,
  ADD COLUMN excerpt_count integer NOT NULL DEFAULT 0 CHECK (excerpt_count >= 0),
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Keyset pagination walks (created_at, id) downwards.
DROP INDEX scores_created_at;
CREATE INDEX scores_created_at_id ON scores (created_at DESC, id DESC);

-- A run of measures of a score's first voice, as PrIMuS semantic tokens. Embedding columns come
-- with the search model.
CREATE TABLE excerpts (
  score_id uuid NOT NULL REFERENCES scores (id) ON DELETE CASCADE,
  position integer NOT NULL CHECK (position >= 0),
  first_measure integer NOT NULL CHECK (first_measure >= 1),
  last_measure integer NOT NULL CHECK (last_measure >= first_measure),
  tokens text[] NOT NULL CHECK (cardinality(tokens) > 0),
  PRIMARY KEY (score_id, position)
);

-- Work that must finish even if the process dies: indexing a score, deleting its objects.
-- score_id has no foreign key: an index job exists before its score row, a delete job after it.
CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('index', 'delete')),
  idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 2100),
  score_id uuid NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'done', 'failed')),
  -- The last step whose rows are committed; a rerun starts after it.
  step text,
  -- Also the claim's fencing token: a runner writes only while attempts is still its own.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The heartbeat: every claim and step moves it, so a running job that stops moving is stale.
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE status <> 'done';
CREATE INDEX jobs_score_id ON jobs (score_id);

-- Signatures of accepted webhook deliveries, kept a little longer than the timestamp window, so an
-- exact replay inside the window is refused.
CREATE TABLE hook_deliveries (
  signature char(64) PRIMARY KEY CHECK (signature ~ '^[0-9a-f]{64}$'),
  signed_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX hook_deliveries_received_at ON hook_deliveries (received_at);
