"""Documents in: load, clean, find structure, chunk, enrich and index into Chroma."""
