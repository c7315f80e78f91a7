-- pgvector: embeddings for cross-modal search live beside the rows they describe.
CREATE EXTENSION IF NOT EXISTS vector;
