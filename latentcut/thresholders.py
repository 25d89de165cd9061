"""Deprecated: moved to latentcut.detection.thresholders."""
from latentcut._moved import moved

moved(__name__, "latentcut.detection.thresholders")
