"""The knowledge base as the query side sees it: chunks in Chroma (store), the BM25 index
(lexical_index), the embedder with its vector cache, and the Index that keeps them in step
(knowledge_base). Ingest writes through it; the assistant reads it."""
