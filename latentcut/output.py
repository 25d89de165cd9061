"""Deprecated: moved to latentcut.io.writers."""
from latentcut._moved import moved

moved(__name__, "latentcut.io.writers")
