-- Cross-modal search: each excerpt's embedding in the search model's common space (128 values,
-- L2-normalised), made by the index job's embed step from the excerpt's notes, and the model file
-- that made a score's embeddings, so a search compares only embeddings of the model it asks with
-- and `deno task reindex` can embed again what an older model made.
ALTER TABLE excerpts ADD COLUMN embedding vector(128);

ALTER TABLE scores
  ADD COLUMN embedding_sha256 char(64) CHECK (embedding_sha256 ~ '^[0-9a-f]{64}$');

-- Approximate nearest neighbours by cosine distance (`embedding <=> query`).
CREATE INDEX excerpts_embedding ON excerpts USING hnsw (embedding vector_cosine_ops);
