"""Deprecated: moved to latentcut.encoders.embeddings."""
from latentcut._moved import moved

moved(__name__, "latentcut.encoders.embeddings")
