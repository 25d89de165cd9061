"""Deprecated: moved to latentcut.evaluation."""
from latentcut._moved import moved

moved(__name__, "latentcut.evaluation")
