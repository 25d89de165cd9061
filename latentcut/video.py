"""Deprecated: moved to latentcut.io.video."""
from latentcut._moved import moved

moved(__name__, "latentcut.io.video")
