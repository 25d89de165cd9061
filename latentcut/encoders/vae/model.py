"""The Repro-VAE / β-VAE model and its configuration (the loss is in :mod:`.loss`).

The architecture is the Repro-VAE paper's: 64x64 RGB in; 4 conv layers (32, 64, 128, 256
channels, 3x3, stride 1), each followed by 2x2 average pooling and LeakyReLU; linear layers to
μ and log σ²; the decoder mirrors it (linear -> 256x4x4 -> transposed convs with ReLU, no batch
norm, no final tanh). Loss: MSE reconstruction (summed per image, averaged over the batch)
+ β KL(q(z|x) || N(0, I)) + τ KL(q(z|x) || q(z|x̂)), the reprojection term.

The reprojection term is KL(sg[q(z|x)] || q(z|x̂)): the posterior of the real frame is the fixed
target (stop-gradient), the posterior of the reconstruction is pulled onto it, with gradients
through the decoder (via x̂) and through the encoder's pass over x̂. Letting gradients into the
target side as well would let the term drag the data posterior toward the posterior of a
blurry reconstruction, or shrink both variances to make them agree, instead of asking the
decoder for reconstructions that keep the frame's identity in latent space. τ = 0 is the plain
β-VAE. Direction: KL(target || reprojection), the same direction as the prior term.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np

LOGVAR_LIMIT = 30.0
ARCHITECTURE = "latentcut.conv-vae"
FORMAT_VERSION = 1


@dataclass
class VAEConfig:
    """Everything that builds and trains the model (pythae style: config apart from code)."""

    input_size: int = 64
    channels: int = 3
    latent_dim: int = 10
    hidden: tuple[int, ...] = (32, 64, 128, 256)
    pooling: str = "avg"  # avg | max | none (stride-2 convolutions instead)
    activation: str = "leakyrelu"  # leakyrelu | relu | elu
    beta: float = 4.0
    tau: float = 200.0  # weight of the reprojection term; 0 gives the plain β-VAE
    alpha: float = 0.0  # weight of the in-betweening term (consecutive triplets); 0 = off

    def __post_init__(self):
        if isinstance(self.hidden, (int, np.integer)) and not isinstance(self.hidden, bool):
            self.hidden = (self.hidden,)  # one layer, as a spec string's "hidden=32" reads
        if isinstance(self.hidden, str):  # "32,64,128,256" or, inside a spec string, "32/64/128/256"
            self.hidden = re.split(r"[,/x\s]+", self.hidden.strip())
        try:
            self.hidden = tuple(int(h) for h in self.hidden)
        except (TypeError, ValueError):
            raise ValueError(f"hidden must be channel counts like 32/64/128/256, not {self.hidden!r}") from None
        if not self.hidden or not all(1 <= h <= 4096 for h in self.hidden):
            raise ValueError(f"hidden must be 1 to 8 channel counts of 1..4096, not {self.hidden!r}")
        if self.pooling not in ("avg", "max", "none"):
            raise ValueError(f"pooling must be avg, max or none, not {self.pooling!r}")
        if self.activation not in ("leakyrelu", "relu", "elu"):
            raise ValueError(f"activation must be leakyrelu, relu or elu, not {self.activation!r}")
        if self.input_size % (2 ** len(self.hidden)) or self.input_size < 2 ** len(self.hidden):
            raise ValueError(f"size {self.input_size} must be a multiple of {2 ** len(self.hidden)} "
                             f"(2 to the number of layers, {len(self.hidden)})")
        if self.latent_dim < 1:
            raise ValueError("latent_dim must be >= 1")

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "VAEConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def build_model(cfg: VAEConfig):
    import torch
    from torch import nn

    def act():
        return {"leakyrelu": lambda: nn.LeakyReLU(0.2), "relu": nn.ReLU, "elu": nn.ELU}[cfg.activation]()

    class ConvVAE(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c = [], cfg.channels
            for h in cfg.hidden:
                if cfg.pooling == "none":
                    layers += [nn.Conv2d(c, h, 3, 2, 1), act()]
                else:
                    pool = nn.AvgPool2d(2) if cfg.pooling == "avg" else nn.MaxPool2d(2)
                    layers += [nn.Conv2d(c, h, 3, 1, 1), pool, act()]
                c = h
            self.encoder = nn.Sequential(*layers, nn.Flatten())
            self.side = cfg.input_size // 2 ** len(cfg.hidden)
            flat = c * self.side * self.side
            self.fc_mu = nn.Linear(flat, cfg.latent_dim)
            self.fc_logvar = nn.Linear(flat, cfg.latent_dim)
            dec = [nn.Linear(cfg.latent_dim, flat), nn.Unflatten(1, (c, self.side, self.side)), nn.ReLU()]
            rev = list(cfg.hidden[::-1][1:]) + [cfg.channels]
            for i, h in enumerate(rev):
                dec.append(nn.ConvTranspose2d(c, h, 4, 2, 1))
                if i < len(rev) - 1:
                    dec.append(nn.ReLU())
                c = h
            self.decoder = nn.Sequential(*dec)

        def encode(self, x):
            h = self.encoder(x)
            # log sigma^2 past +-30 means a variance no frame has; beyond it exp() in the KL
            # terms overflows float32 and a long run diverges (the distances clip there too)
            return self.fc_mu(h), self.fc_logvar(h).clamp(-LOGVAR_LIMIT, LOGVAR_LIMIT)

        def decode(self, z):
            return self.decoder(z)

        def forward(self, x):
            mu, logvar = self.encode(x)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            return self.decode(z), mu, logvar

    return ConvVAE()
