"""Frames at chosen positions, decoded by seeking: for work whose cost should follow a few
windows of a video (a verifier around candidate cuts), not its length.

Frames are named by presentation time, the one thing a seek and a full decode agree on; the
caller passes the times of a full pass (a score curve's), so the frames that come back are the
ones at those indices. A seek lands on the keyframe before, then decoding runs forward. Frames
a seek did not deliver (a container that cannot seek, a seek that lands late) come from one
sequential pass, so the answer never depends on whether seeking worked.
"""
from __future__ import annotations

import os

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from latentcut.io.sampling import runs_of
from latentcut.io.video import open_container, frame_array


def frames_at(path: str | os.PathLike, times: np.ndarray, wanted: np.ndarray, size: tuple[int, int],
              color: str = "rgb", indices: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(frames, found): frames (len(wanted), H, W, C) uint8 at the sorted, distinct positions
    ``wanted`` of ``times`` (the presentation times in seconds of a full pass, as VideoReader
    gives them; ``indices``, their decoded frame numbers, default 0, 1, 2, ...: a strided pass
    gives both), scaled to ``size`` (height, width); ``found`` is False for a frame that no longer
    decodes (then its pixels are zero)."""
    times = np.asarray(times, np.float64)
    wanted = np.asarray(wanted, np.int64)
    indices = np.arange(len(times)) if indices is None else np.asarray(indices, np.int64)
    if len(wanted) > 1 and not np.all(np.diff(wanted) > 0):
        raise ValueError("wanted positions must be sorted and distinct")
    channels = 3 if color == "rgb" else 1
    out = np.zeros((len(wanted), size[0], size[1], channels), np.uint8)
    found = np.zeros(len(wanted), bool)
    if len(wanted) == 0:
        return out, found
    gaps = np.diff(times)
    # Time names a frame only where times rise strictly; else (frames sharing a timestamp, or
    # times out of order in an AVI) the frames are found by their place in decode order.
    by_time = len(times) < 2 or float(gaps.min()) > 1e-4
    # a seek's frames carry the very times a full pass computed (same timestamps, same formula),
    # so they match exactly; a looser match would take a neighbour that a strided pass skipped
    job = _Job(times, wanted, indices[wanted], size, "rgb24" if color == "rgb" else "gray", 1e-6, out, found)
    if by_time:
        container = open_container(path)
        try:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if stream.start_time is not None and stream.time_base is not None:
                lead = float(np.median(gaps)) * 2 if len(gaps) else 0.0
                for first, last in runs_of(wanted):
                    try:
                        target = stream.start_time + int(max(times[first] - lead, 0.0) / float(stream.time_base))
                        container.seek(target, stream=stream, backward=True, any_frame=False)
                        job.take_by_time(container.decode(stream), stream, times[last])
                    except (av.error.FFmpegError, EOFError, OSError):
                        break  # the sequential pass below fills in
        finally:
            container.close()
    if not found.all():
        container = open_container(path)
        try:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            job.take_by_index(container.decode(stream), int(indices[wanted[-1]]))
        except (av.error.FFmpegError, EOFError, OSError):
            pass  # what still is not found did not decode in a full pass either
        finally:
            container.close()
    return out, found


class _Job:
    def __init__(self, times, wanted, decoded, size, fmt, half, out, found):
        self.times, self.size, self.fmt, self.half, self.out, self.found = times, size, fmt, half, out, found
        self.slot = {int(p): i for i, p in enumerate(wanted)}  # by position in times
        self.slot_decoded = {int(p): i for i, p in enumerate(decoded)}  # by decoded frame number
        self.scaler = VideoReformatter()

    def _put(self, i: int, frame) -> None:
        self.out[i] = frame_array(self.scaler, frame, self.size, self.fmt).reshape(self.out.shape[1:])
        self.found[i] = True

    def take_by_time(self, frames, stream, until: float) -> None:
        """Decode forward from a seek, filling the wanted frames whose time a decoded frame has."""
        tb, start = stream.time_base, stream.start_time
        for frame in frames:
            if frame.pts is None:
                continue
            t = float((frame.pts - start) * tb)
            if t > until + self.half:
                break
            p = int(np.searchsorted(self.times, t - self.half))
            i = self.slot.get(p)
            if i is not None and not self.found[i] and abs(self.times[p] - t) <= self.half:
                self._put(i, frame)

    def take_by_index(self, frames, last: int) -> None:
        """Decode from the start, filling the wanted frames not found yet by decode order (VideoReader's indices)."""
        for index, frame in enumerate(frames):
            if index > last:
                break
            i = self.slot_decoded.get(index)
            if i is not None and not self.found[i]:
                self._put(i, frame)
