"""Deprecated: moved to latentcut.scoring.curves."""
from latentcut._moved import moved

moved(__name__, "latentcut.scoring.curves")
