"""Deprecated: moved to latentcut.scoring.yardstick."""
from latentcut._moved import moved

moved(__name__, "latentcut.scoring.yardstick")
