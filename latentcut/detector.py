"""Deprecated: moved to latentcut.detection.pipeline."""
from latentcut._moved import moved

moved(__name__, "latentcut.detection.pipeline")
