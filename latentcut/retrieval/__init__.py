"""Similar-scene search: the library of shots (SQLite + FAISS) and the choice of FAISS index."""
