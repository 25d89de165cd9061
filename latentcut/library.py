"""Deprecated: moved to latentcut.retrieval.library."""
from latentcut._moved import moved

moved(__name__, "latentcut.retrieval.library")
