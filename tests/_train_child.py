"""Child process for the checkpoint kill test: trains a tiny VAE into a folder (resuming what is
there), and SIGKILLs itself at the K-th file-system step of the checkpoint writes when
``KILL_AT=K`` is set, so a test can kill it between any two steps of a checkpoint."""
import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from latentcut.encoders.vae import VAEConfig  # noqa: E402
from latentcut.encoders.vae.training import TrainOptions, train_vae  # noqa: E402
from latentcut.io import folders  # noqa: E402

CFG = VAEConfig(input_size=16, hidden=(8, 16), latent_dim=4)
EPOCHS = 4


def frames():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (4, 16, 16, 3))
    return np.clip(base.repeat(12, 0) + rng.integers(-10, 10, (48, 16, 16, 3)), 0, 255).astype(np.uint8)


def opts(epochs=EPOCHS):
    return TrainOptions(epochs=epochs, batch_size=16, seed=3)


def _instrument(kill_at: int) -> None:
    count = [0]

    def wrap(fn):
        def inner(*a, **k):
            count[0] += 1
            if count[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            r = fn(*a, **k)
            count[0] += 1
            if count[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return r

        return inner

    folders._exchange = wrap(folders._exchange)
    os.rename = wrap(os.rename)
    os.replace = wrap(os.replace)
    os.fsync = wrap(os.fsync)
    shutil.rmtree = wrap(shutil.rmtree)
    folders.shutil.rmtree = shutil.rmtree


if __name__ == "__main__":
    out = sys.argv[1]
    if os.environ.get("KILL_AT"):
        _instrument(int(os.environ["KILL_AT"]))
    train_vae(CFG, frames(), opts(), out_dir=out, resume=True, progress=False)
