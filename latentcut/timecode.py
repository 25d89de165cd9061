"""Deprecated: moved to latentcut.io.timecode."""
from latentcut._moved import moved

moved(__name__, "latentcut.io.timecode")
