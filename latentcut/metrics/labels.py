"""Deprecated: moved to latentcut.evaluation.labels."""
from latentcut._moved import moved

moved(__name__, "latentcut.evaluation.labels")
