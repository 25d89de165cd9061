"""Deprecated: moved to latentcut.encoders.vae.training."""
from latentcut._moved import moved

moved(__name__, "latentcut.encoders.vae.training")
