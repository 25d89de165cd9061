"""The VAE's loss: reconstruction, β KL to the prior, τ reprojection KL, α in-betweening KL.

See :mod:`latentcut.encoders.vae.model` for why the reprojection target is detached.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from latentcut.encoders.vae.model import VAEConfig


def kl_diag(mu_p, lv_p, mu_q, lv_q):
    """KL(N_p || N_q) per row for diagonal Gaussians (torch)."""
    import torch

    d = lv_p - lv_q
    return 0.5 * (torch.expm1(d) - d + (mu_p - mu_q) ** 2 * torch.exp(-lv_q)).sum(dim=1)


def moment_matched_mean(mu0, lv0, mu2, lv2):
    """The single Gaussian with the mean and variance of the 50/50 mixture of N0 and N2."""
    import torch

    mu = 0.5 * (mu0 + mu2)
    var = 0.5 * (torch.exp(lv0) + torch.exp(lv2)) + 0.25 * (mu0 - mu2) ** 2
    return mu, torch.log(var)


def vae_loss(model, x, cfg: VAEConfig, triplets: bool = False) -> dict:
    """Loss terms for a batch x (B, C, H, W) in [0, 1]. With ``triplets`` the batch is ordered as
    consecutive (x0, x1, x2) triples, and the in-betweening term applies to each middle frame."""
    recon_x, mu, logvar = model(x)
    recon = ((recon_x.float() - x.float()) ** 2).sum(dim=(1, 2, 3)).mean()
    mu, logvar = mu.float(), logvar.float()
    prior = (0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(dim=1)).mean()
    total = recon + cfg.beta * prior
    out = {"recon": recon, "kl": prior}
    if cfg.tau:
        mu_r, lv_r = model.encode(recon_x)
        repro = kl_diag(mu.detach(), logvar.detach(), mu_r.float(), lv_r.float()).mean()
        total = total + cfg.tau * repro
        out["repro"] = repro
    if cfg.alpha and triplets:
        m0, m1, m2 = mu[0::3], mu[1::3], mu[2::3]
        l0, l1, l2 = logvar[0::3], logvar[1::3], logvar[2::3]
        mm, lm = moment_matched_mean(m0, l0, m2, l2)
        tween = kl_diag(m1, l1, mm, lm).mean()
        total = total + cfg.alpha * tween
        out["tween"] = tween
    out["loss"] = total
    return out
