"""Deprecated: moved to latentcut.evaluation.boundaries."""
from latentcut._moved import moved

moved(__name__, "latentcut.evaluation.boundaries")
