"""Deprecated: moved to latentcut.scenes.grouping."""
from latentcut._moved import moved

moved(__name__, "latentcut.scenes.grouping")
