"""Archive scale: many machines embed videos into Parquet shards (Ray Data), and an IVF-PQ index
built from the shards answers the same queries as a scene library. The embedded SQLite + FAISS
library (:mod:`latentcut.retrieval`) stays the single-machine default."""
