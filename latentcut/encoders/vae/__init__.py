"""Repro-VAE and β-VAE, one module per part: the model and its config (:mod:`.model`), the loss
(:mod:`.loss`), training (:mod:`.training`), the model folder (:mod:`.folder`) and the encoder
(:mod:`.encoder`)."""
from latentcut.encoders.torch_io import frames_to_tensor, pick_device
from latentcut.encoders.vae.encoder import BetaVAEEncoder, VAEEncoder
from latentcut.encoders.vae.folder import model_config, read_model, write_model
from latentcut.encoders.vae.loss import kl_diag, moment_matched_mean, vae_loss
from latentcut.encoders.vae.model import ARCHITECTURE, FORMAT_VERSION, VAEConfig, build_model
from latentcut.encoders.vae.training import TrainingError, TrainOptions, train_vae

__all__ = ["ARCHITECTURE", "FORMAT_VERSION", "BetaVAEEncoder", "TrainOptions", "TrainingError", "VAEConfig", "VAEEncoder",
           "build_model", "frames_to_tensor", "kl_diag", "model_config", "moment_matched_mean", "pick_device", "read_model",
           "train_vae", "vae_loss", "write_model"]
