"""Deprecated: moved to latentcut.scoring.plot."""
from latentcut._moved import moved

moved(__name__, "latentcut.scoring.plot")
