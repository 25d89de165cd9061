"""Videos -> shards on Ray Data: a dataset of paths, mapped by a pool of actors that each load the
encoder once (CPU, or a GPU each with ``gpus_per_worker``), each writing its videos' shards.

``address="local"`` starts Ray on this machine for the run (no cluster needed) and stops it
after; ``"auto"`` or ``"ray://host:10001"`` joins a running cluster, whose workers must see the
same paths (a shared file system). An actor that dies (a killed worker, a machine lost) is
restarted and its video retried; shards are whole files named by the video, so a retry leaves no
duplicate rows.
"""
from __future__ import annotations

import contextlib
import logging
import os
import warnings

from latentcut.archive.worker import RESULT_FIELDS, VideoEmbedder
from latentcut.errors import LatentcutError
from latentcut.extras import require
from latentcut.io.fd2 import stderr_to

require("archive", "the archive")
import ray  # noqa: E402


def start_ray(address: str, cpus: int):
    """Join or start Ray; returns whether this call started it (and so must stop it)."""
    if ray.is_initialized():
        return False
    # Ray's own chatter (C++ core warnings, Ray Data's execution lines) stays out of the user's terminal
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    opts = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR, configure_logging=True)
    try:
        if address == "local":
            ray.init(address="local", num_cpus=max(cpus, 1), **opts)
        else:
            ray.init(address=address, **opts)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise LatentcutError(f"--address {address}: cannot reach a Ray cluster ({exc})") from None
    return True


def embed_all(paths: list[str], encoder: str, fingerprint: str, keyframes: dict, strip: bool, shards: str,
              workers: int = 2, gpus_per_worker: float = 0.0, address: str = "local", on_result=None,
              embedder=VideoEmbedder, cpus_per_worker: int = 1) -> list[dict]:
    """Run the pipeline; ``on_result(row)`` sees each video's result as it arrives. What Ray itself
    prints (its C++ core writes straight to the process's standard error) goes to ``log``."""
    with _quiet_ray(os.path.join(os.path.dirname(shards), "ray.log")):
        return _embed_all(paths, encoder, fingerprint, keyframes, strip, shards, workers, gpus_per_worker, address,
                          on_result, embedder, cpus_per_worker)


@contextlib.contextmanager
def _quiet_ray(log: str):
    """Standard error (the file descriptor: Ray's C++ core writes there) into ``log`` meanwhile, and
    Ray's Python warnings ignored; ours are printed to standard output, so nothing is lost."""
    with open(log, "ab") as f, stderr_to(f), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _embed_all(paths, encoder, fingerprint, keyframes, strip, shards, workers, gpus_per_worker, address, on_result,
               embedder, cpus_per_worker):
    import ray.data

    was_up = ray.is_initialized()
    restore = None if was_up else _stop_on_term()  # before ray.init: a SIGTERM during the start cleans up too
    try:
        start_ray(address, workers * cpus_per_worker)
        if restore is not None:
            _stop_on_term()  # again: ray.init puts in its own handler, which exits without a word
        for name in ("ray", "ray.data", "ray.data._internal"):
            logging.getLogger(name).setLevel(logging.ERROR)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        ds = ray.data.from_items([{"path": os.path.abspath(p)} for p in paths], override_num_blocks=max(1, len(paths)))
        out = ds.map_batches(
            embedder,
            fn_constructor_kwargs=dict(encoder=encoder, fingerprint=fingerprint, keyframes=keyframes, strip=strip,
                                       shards=shards, device="cuda" if gpus_per_worker else None),
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=max(1, workers)),
            num_cpus=cpus_per_worker,  # Ray gives the actor's torch as many threads
            num_gpus=gpus_per_worker or None,
            max_restarts=3,
            max_task_retries=3,
        )
        results = []
        for row in out.iter_rows():
            row = {k: (row[k].item() if hasattr(row[k], "item") else row[k]) for k in RESULT_FIELDS}
            results.append(row)
            if on_result is not None:
                on_result(row)
        return results
    finally:
        try:
            if not was_up:
                ray.shutdown()  # Ctrl-C and SIGTERM come here too: no Ray agents outlive the command
        finally:
            if restore is not None:
                restore()


def _stop_on_term():
    """SIGTERM as an interruption (the default would end the process at once, leaving the Ray it
    started running for minutes); returns what puts the old handler back."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, stop)
    return lambda: signal.signal(signal.SIGTERM, old)
