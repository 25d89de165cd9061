"""Deprecated: moved to latentcut.cache."""
from latentcut._moved import moved

moved(__name__, "latentcut.cache")
