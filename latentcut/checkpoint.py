"""Deprecated: moved to latentcut.io.checkpoint."""
from latentcut._moved import moved

moved(__name__, "latentcut.io.checkpoint")
