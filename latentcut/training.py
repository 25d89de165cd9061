"""Deprecated: VAE training lives in :mod:`latentcut.encoders.vae.training` (kept here for one release)."""
import warnings

from .encoders.vae.training import *  # noqa: F401,F403
from .encoders.vae.training import TrainingError, TrainOptions, read_training_set, stack_training_set, train_vae  # noqa: F401

warnings.warn("latentcut.training is deprecated; use latentcut.encoders.vae.training", DeprecationWarning, stacklevel=2)
