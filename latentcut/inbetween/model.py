"""The networks of Li et al. 2019, at a size a CPU trains: E (frame encoder), the latent
representation generator (gated residual 3D-conv units, coarse to fine in time), G (3D transposed
convolutions to the video), D_V (video discriminator) and D_I (image discriminator).

Unit l of a stage, from the latent video z (B, C, t, 8, 8) and the key frames' encodings e_s, e_e
(B, C, 1, 8, 8, broadcast over time):
    g_s = sigmoid(conv(z)), g_e = sigmoid(conv(z))
    z_in = g_s * e_s + g_e * e_e + relu(1 - g_s - g_e) * z + noise
    z = relu(z + conv(relu(conv(z_in))))
and between stages the latent doubles in time. ``additive`` fusion replaces the gates by
z_in = z + e_s + e_e + noise; ``naive`` skips the generator altogether.
"""
from __future__ import annotations

import torch
from torch import nn

from latentcut.inbetween.config import InbetweenConfig


def _down2d(cin: int, cout: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.2))


class FrameEncoder(nn.Module):
    """A key frame (B, 3, S, S) in [0, 1] -> (B, C, 1, 8, 8)."""

    def __init__(self, cfg: InbetweenConfig):
        super().__init__()
        layers, c = [], 3
        side, width = cfg.size, cfg.base
        while side > cfg.latent_side:
            layers.append(_down2d(c, width))
            c, side, width = width, side // 2, min(width * 2, 256)
        layers.append(nn.Conv2d(c, cfg.channels, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2 - 1).unsqueeze(2)


class GatedUnit(nn.Module):
    def __init__(self, c: int, fusion: str, noise: float):
        super().__init__()
        self.fusion, self.noise = fusion, noise
        if fusion == "gated":
            self.gate_s = nn.Conv3d(c, c, 3, 1, 1)
            self.gate_e = nn.Conv3d(c, c, 3, 1, 1)
        self.k1 = nn.Conv3d(c, c, 3, 1, 1)
        self.k2 = nn.Conv3d(c, c, 3, 1, 1)

    def forward(self, z, e_s, e_e):
        eps = self.noise * torch.randn_like(z)
        if self.fusion == "gated":
            g_s, g_e = torch.sigmoid(self.gate_s(z)), torch.sigmoid(self.gate_e(z))
            z_in = g_s * e_s + g_e * e_e + torch.relu(1 - g_s - g_e) * z + eps
        else:
            z_in = z + e_s + e_e + eps
        return torch.relu(z + self.k2(torch.relu(self.k1(z_in))))


class LatentGenerator(nn.Module):
    """Noise -> latent video (B, C, T, 8, 8), coarse to fine in time."""

    def __init__(self, cfg: InbetweenConfig):
        super().__init__()
        self.cfg = cfg
        self.stages = nn.ModuleList(nn.ModuleList(GatedUnit(cfg.channels, cfg.fusion, cfg.noise) for _ in range(cfg.units))
                                    for _ in range(cfg.stages))
        self.up = nn.ModuleList(nn.ConvTranspose3d(cfg.channels, cfg.channels, (4, 3, 3), (2, 1, 1), (1, 1, 1))
                                for _ in range(cfg.stages - 1))

    def forward(self, e_s, e_e, noise=None):
        cfg = self.cfg
        t = cfg.frames // 2 ** (cfg.stages - 1)
        z = noise if noise is not None else torch.randn(e_s.shape[0], cfg.channels, t, cfg.latent_side, cfg.latent_side,
                                                        device=e_s.device)
        for i, stage in enumerate(self.stages):
            for unit in stage:
                z = unit(z, e_s, e_e)
            if i < len(self.up):
                z = torch.relu(self.up[i](z))
        return z


class VideoGenerator(nn.Module):
    """(B, C, T, 8, 8) -> (B, 3, T, S, S) in [0, 1], by 3D transposed convolutions."""

    def __init__(self, cfg: InbetweenConfig):
        super().__init__()
        layers, c, side = [], cfg.channels, cfg.latent_side
        widths = []
        w = cfg.base
        s = cfg.size
        while s > cfg.latent_side:
            widths.append(w)
            w, s = min(w * 2, 256), s // 2
        for width in reversed(widths):
            layers += [nn.ConvTranspose3d(c, width, (3, 4, 4), (1, 2, 2), (1, 1, 1)), nn.ReLU()]
            c, side = width, side * 2
        layers.append(nn.Conv3d(c, 3, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return torch.sigmoid(self.net(z))


class Inbetweener(nn.Module):
    """(x_s, x_e) key frames (B, 3, S, S) -> the clip (B, 3, T, S, S), key frames at both ends."""

    def __init__(self, cfg: InbetweenConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = FrameEncoder(cfg)
        self.latent = LatentGenerator(cfg) if cfg.fusion != "naive" else None
        self.video = VideoGenerator(cfg)
        if cfg.fusion == "naive":
            self.mix = nn.Conv3d(2 * cfg.channels, cfg.channels, 3, 1, 1)

    def forward(self, x_s, x_e, noise=None):
        e_s, e_e = self.encoder(x_s), self.encoder(x_e)
        if self.latent is None:
            t = self.cfg.frames
            z = torch.relu(self.mix(torch.cat([e_s.expand(-1, -1, t, -1, -1), e_e.expand(-1, -1, t, -1, -1)], 1)))
        else:
            z = self.latent(e_s, e_e, noise)
        video = self.video(z)
        # the key frames are given: the clip holds them as they are, the model makes what lies between
        return torch.cat([x_s.unsqueeze(2), video[:, :, 1:-1], x_e.unsqueeze(2)], 2)


class VideoDiscriminator(nn.Module):
    """D_V: a whole clip (B, 3, T, S, S) -> one logit."""

    def __init__(self, cfg: InbetweenConfig):
        super().__init__()
        layers, c, side, w = [], 3, cfg.size, cfg.base
        while side > 4:
            layers += [nn.Conv3d(c, w, (3, 4, 4), (1, 2, 2), (1, 1, 1)), nn.LeakyReLU(0.2)]
            c, side, w = w, side // 2, min(w * 2, 256)
        self.net = nn.Sequential(*layers)
        self.out = nn.Linear(c, 1)

    def forward(self, v):
        return self.out(self.net(v * 2 - 1).mean(dim=(2, 3, 4)))


class ImageDiscriminator(nn.Module):
    """D_I: single frames (B, 3, S, S) -> one logit each."""

    def __init__(self, cfg: InbetweenConfig):
        super().__init__()
        layers, c, side, w = [], 3, cfg.size, cfg.base
        while side > 4:
            layers += [_down2d(c, w)]
            c, side, w = w, side // 2, min(w * 2, 256)
        self.net = nn.Sequential(*layers)
        self.out = nn.Linear(c, 1)

    def forward(self, x):
        return self.out(self.net(x * 2 - 1).mean(dim=(2, 3)))
