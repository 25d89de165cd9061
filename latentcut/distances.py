"""Deprecated: moved to latentcut.scoring.distances."""
from latentcut._moved import moved

moved(__name__, "latentcut.scoring.distances")
