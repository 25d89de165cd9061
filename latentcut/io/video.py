"""Video -> frames: decoding with PyAV into small uint8 arrays, in batches, with presentation times.

Frames are scaled by FFmpeg's swscale (area filter) to the size the encoder wants, so a 1080p
video never exists as a full RGB array in Python. One scaler is kept for the whole video:
building a new one per frame (what ``VideoFrame.reformat`` does) cost more than decoding.
Decoding runs in a background thread, overlapped with the caller's work. In ``fast`` mode (the
default) H.264/HEVC's deblocking loop filter is skipped: invisible at thumbnail size, about a
third of the decode time. benchmarks/speed.py measures it all.
"""
from __future__ import annotations

import os
import queue
import threading
import warnings
from dataclasses import dataclass
from typing import Iterator

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from latentcut.errors import TruncatedVideoWarning, VideoError

#: Frames a container may declare beyond what decodes before a video counts as truncated.
TRUNCATION_SLACK = 2

#: Cap on one prefetched queue: decoding runs at most this many batches ahead of the consumer.
_PREFETCH_BATCHES = 4


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video before decoding it."""

    path: str
    width: int  #: coded width in pixels, before rotation
    height: int
    rotation: int  #: display rotation in degrees counter-clockwise (0, 90, 180, 270)
    fps: float  #: average frame rate; only a hint for VFR video (times come from timestamps)
    duration: float  #: seconds, 0.0 when the container does not say
    frame_count: int  #: the container's count, or an estimate from duration x fps; 0 if unknown
    codec: str
    frame_count_exact: bool = False  #: the count is the container's own, not an estimate
    audio_channels: int = 0  #: channels of the first audio stream; 0 when the file has no sound
    audio_rate: int = 0  #: that stream's sample rate, Hz

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown, after rotation."""
        return (self.height, self.width) if self.rotation % 180 else (self.width, self.height)


@dataclass
class FrameBatch:
    """Consecutive decoded frames: pixels (B, H, W, C) uint8, decoded indices (B,), times (B,) in seconds."""

    frames: np.ndarray
    indices: np.ndarray
    times: np.ndarray

    def __len__(self) -> int:
        return len(self.indices)


def open_container(path: str | os.PathLike) -> av.container.InputContainer:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise VideoError(f"{path}: no such file")
    if os.path.isdir(path):
        raise VideoError(f"{path}: is a directory, not a video file")
    if os.path.isfile(path) and os.path.getsize(path) == 0:  # a pipe's size is 0 too, and says nothing
        raise VideoError(f"{path}: the file is empty")
    mp4ish = path.lower().endswith((".mp4", ".m4v", ".mov", ".3gp"))
    hint = " (an MP4 or MOV cut short loses its index, the moov atom, and cannot be read)" if mp4ish else ""
    try:
        container = av.open(path, metadata_errors="ignore")
    except av.error.EOFError:
        raise VideoError(f"{path}: the file ends before any video data (empty or truncated, zero frames)") from None
    except av.error.FFmpegError as exc:
        raise VideoError(f"{path}: cannot read it as a video ({exc.strerror or exc}){hint}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise VideoError(f"{path}: cannot read it as a video ({exc})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: the file has no video stream{' it can read' + hint if mp4ish else ''}")
    return container


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read a video's header: size, rotation, frame rate, duration and frame count."""
    container = open_container(path)
    try:
        stream = container.streams.video[0]
        rotation = 0
        try:
            # The display matrix reaches PyAV per frame: decode one to learn the rotation.
            first = next(container.decode(stream))
            rotation = int(round((first.rotation or 0) / 90.0)) % 4 * 90
        except (StopIteration, av.error.FFmpegError, EOFError):
            pass
        return _info(os.fspath(path), container, stream, rotation)
    finally:
        container.close()


def _info(path: str, container, stream, rotation: int | None = None) -> VideoInfo:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    else:
        duration = 0.0
    frames = int(stream.frames or 0)
    exact = frames > 0
    if frames <= 0 and duration > 0 and fps > 0:
        frames = int(round(duration * fps))
    cc = stream.codec_context
    audio = container.streams.audio[0] if container.streams.audio else None
    return VideoInfo(
        path=path,
        width=int(cc.width),
        height=int(cc.height),
        rotation=int(rotation or 0),
        fps=fps,
        duration=duration,
        frame_count=frames,
        codec=cc.name,
        frame_count_exact=exact,
        audio_channels=int(getattr(audio.codec_context, "channels", 0) or 0) if audio is not None else 0,
        audio_rate=int(audio.codec_context.sample_rate or 0) if audio is not None else 0,
    )


class VideoReader:
    """Decodes one video into batches of small frames.

    >>> reader = VideoReader("clip.mp4", size=(64, 64))
    >>> for batch in reader:          # FrameBatch: frames (B, 64, 64, 3) uint8, indices, times
    ...     ...

    ``size`` is (height, width) after rotation; ``color`` is ``"rgb"`` or ``"gray"``. ``stride`` keeps
    every k-th decoded frame (indices stay decoded indices). Times are presentation timestamps in
    seconds, relative to the stream's start time, so variable-frame-rate video is timed right.

    A video that stops decoding part-way (truncated download, corrupt tail) yields the frames it
    has and emits a :class:`TruncatedVideoWarning`; ``truncated`` is then True. A video that decodes
    to no frame at all raises :class:`VideoError`.

    ``start`` and ``end`` (seconds) keep the frames shown in [start, end). Frames before ``start``
    are decoded but not scaled: a frame's index is only known by counting from the first frame
    (variable frame rates), and decoding is the cheap part.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        size: tuple[int, int] = (64, 64),
        color: str = "rgb",
        batch_size: int = 256,
        stride: int = 1,
        threads: int | None = None,
        fast: bool = True,
        start: float | None = None,
        end: float | None = None,
    ):
        if color not in ("rgb", "gray"):
            raise ValueError(f"color must be 'rgb' or 'gray', not {color!r}")
        if stride < 1:
            raise ValueError(f"stride must be >= 1, not {stride}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, not {batch_size}")
        self.path = os.fspath(path)
        self.size = (int(size[0]), int(size[1]))
        self.color = color
        self.batch_size = batch_size
        self.stride = stride
        self.threads = threads
        self.fast = fast
        self.start = float(start) if start else None
        self.end = float(end) if end is not None else None
        if self.end is not None and self.end <= (self.start or 0.0):
            raise ValueError(f"the range ends ({self.end:g} s) before it starts ({self.start or 0.0:g} s)")
        self.truncated = False
        self.stopped_at_end = False  #: decoding stopped at ``end``, not at the video's end
        self._kept = 0
        self.truncation_message = ""
        self.frames_decoded = 0
        self.info = probe(self.path)

    def expected_frames(self) -> int:
        """About how many frames this reader will yield (for progress bars)."""
        n = self.info.frame_count
        if (self.start or self.end is not None) and self.info.fps > 0:
            stop = self.end if self.end is not None else self.info.duration or n / self.info.fps
            if self.info.duration > 0:  # a range past the end (even 1e308 s) counts no more than the video
                stop = min(stop, self.info.duration)
            span = max(0.0, stop - (self.start or 0.0)) * self.info.fps
            n = max(0, min(n, int(span) if span < n else n))
        return n // self.stride

    def __iter__(self) -> Iterator[FrameBatch]:
        return self.batches()

    def batches(self, prefetch: bool = True) -> Iterator[FrameBatch]:
        """Yield FrameBatch objects; with ``prefetch`` decoding runs ahead in a background thread."""
        gen = self._decode()
        yield from (_prefetched(gen) if prefetch else gen)
        if self.truncated:
            # Warned here, not in the decode thread, so that callers' warning filters apply.
            warnings.warn(self.truncation_message, TruncatedVideoWarning, stacklevel=2)

    def read_all(self) -> FrameBatch:
        """All frames in one batch (small videos and tests)."""
        parts = list(self.batches(prefetch=False))
        return FrameBatch(
            np.concatenate([p.frames for p in parts]),
            np.concatenate([p.indices for p in parts]),
            np.concatenate([p.times for p in parts]),
        )

    def _decode(self) -> Iterator[FrameBatch]:
        container = open_container(self.path)
        try:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if self.threads:
                stream.codec_context.thread_count = self.threads
            if self.fast:
                stream.codec_context.options = {"skip_loop_filter": "all"}
            tb = stream.time_base
            start = stream.start_time if stream.start_time is not None else None
            h, w = self.size
            fmt = "rgb24" if self.color == "rgb" else "gray"
            channels = 3 if self.color == "rgb" else 1
            buf = np.empty((self.batch_size, h, w, channels), np.uint8)
            idx = np.empty(self.batch_size, np.int64)
            times = np.empty(self.batch_size, np.float64)
            fill = 0
            self._kept = 0
            self.stopped_at_end = False
            index = -1
            last_time = None
            step = 1.0 / self.info.fps if self.info.fps > 0 else 1.0 / 25
            scaler = VideoReformatter()
            frames = container.decode(stream)
            while True:
                try:
                    frame = next(frames)
                except StopIteration:
                    break
                except (av.error.FFmpegError, EOFError) as exc:
                    self._truncate(index + 1, exc)
                    break
                index += 1
                # Every decoded frame's time is tracked (not only the kept ones): the last one
                # tells whether the video ends where its header says.
                if frame.pts is not None and tb is not None:
                    if start is None:
                        start = frame.pts
                    t = float((frame.pts - start) * tb)
                else:
                    t = 0.0 if last_time is None else last_time + step
                last_time = t
                if self.end is not None and t >= self.end - 1e-9:
                    self.stopped_at_end = True
                    break
                if self.start is not None and t < self.start - 1e-9:
                    continue
                if index % self.stride:
                    continue
                buf[fill] = frame_array(scaler, frame, self.size, fmt).reshape(h, w, channels)
                idx[fill] = index
                times[fill] = t
                fill += 1
                self._kept += 1
                if fill == self.batch_size:
                    yield FrameBatch(buf.copy(), idx.copy(), times.copy())
                    fill = 0
            if self.stopped_at_end:
                index -= 1  # the frame at the range's end was looked at, not taken
            self.frames_decoded = index + 1
            ranged = self.start is not None or self.end is not None
            if index < 0 and not (ranged and self.stopped_at_end):
                raise VideoError(f"{self.path}: no video frame could be decoded (zero frames)")
            if ranged and fill == 0 and self._kept == 0:
                raise VideoError(f"{self.path}: no frame in the range {self.start or 0:g} s - "
                                 f"{'end' if self.end is None else f'{self.end:g} s'} (the video ends at {last_time:.3f} s)")
            if not self.stopped_at_end:
                self._check_complete(index + 1, last_time, step)
            if fill:
                yield FrameBatch(buf[:fill].copy(), idx[:fill].copy(), times[:fill].copy())
        finally:
            container.close()

    def _check_complete(self, decoded: int, last_time: float | None, step: float) -> None:
        """A demuxer often just stops at a cut-off file: compare with what the header promised.

        Judged by time where the container states a duration: truncated when the decoded frames
        end more than ``TRUNCATION_SLACK`` frame durations before it (timestamps, so variable frame
        rates are judged right; a header's frame count is often larger than what any decoder
        shows, e.g. edit lists, and is then not evidence). Only without a duration: when the
        container's own frame count exceeds what decoded by more than that many frames (an
        estimated count is never trusted)."""
        if self.truncated or last_time is None:
            return
        info = self.info
        slack = TRUNCATION_SLACK
        end = last_time + step
        if info.duration > 0:
            short = end < info.duration - max(slack * step, 0.05)
        else:
            short = info.frame_count_exact and decoded < info.frame_count - slack
        if short:
            self.truncated = True
            self.truncation_message = (
                f"{self.path}: the header promises {info.frame_count} frames ({info.duration:.2f} s) but only "
                f"{decoded} ({end:.2f} s) could be decoded; the video looks truncated, results cover those frames only"
            )

    def _truncate(self, decoded: int, exc: Exception) -> None:
        if decoded == 0:
            raise VideoError(f"{self.path}: the video data is corrupt; no frame could be decoded ({exc})")
        self.truncated = True
        self.truncation_message = (
            f"{self.path}: decoding stopped after {decoded} frames on corrupt or missing data ({exc}); "
            "the video looks truncated, results cover those frames only"
        )


def frame_array(scaler: VideoReformatter, frame, size: tuple[int, int], fmt: str) -> np.ndarray:
    """One decoded frame as an array of ``size`` (height, width) as displayed, rotation applied."""
    h, w = size
    rot = int(round((frame.rotation or 0) / 90.0)) % 4 if frame.rotation else 0
    # Scale to the pre-rotation shape so that the rotated array has the requested size.
    sw, sh = (h, w) if rot % 2 else (w, h)
    arr = scaler.reformat(frame, width=sw, height=sh, format=fmt, interpolation="AREA").to_ndarray()
    return np.rot90(arr, k=rot) if rot else arr


def _prefetched(gen: Iterator[FrameBatch]) -> Iterator[FrameBatch]:
    """Run a generator in a daemon thread; PyAV releases the GIL while decoding and scaling."""
    q: queue.Queue = queue.Queue(maxsize=_PREFETCH_BATCHES)
    stop = threading.Event()
    done = object()

    def work():
        try:
            for item in gen:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # re-raised in the consumer
            q.put(exc)
        finally:
            gen.close()

    thread = threading.Thread(target=work, name="latentcut-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
