"""Deprecated: moved to latentcut.detection.transitions."""
from latentcut._moved import moved

moved(__name__, "latentcut.detection.transitions")
