"""Deprecated: moved to latentcut.io.atomic."""
from latentcut._moved import moved

moved(__name__, "latentcut.io.atomic")
