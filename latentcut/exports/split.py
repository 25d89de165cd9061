"""One file per shot, with PyAV: a frame-exact re-encode (the default, as PySceneDetect's), or a
stream copy at keyframes (``copy``: fast and lossless, but only at keyframes).

A stream copy can only start a file at a keyframe, so each file begins at the first keyframe at
or after its shot's start; a shot with no keyframe of its own is joined to the file before it
(``SplitFile.shots`` and ``notes`` say which shots a file holds, ``start``/``end`` where it cuts).
Audio goes with the video, by presentation time. Files are written beside their final names and
renamed into place once whole; an existing file is never replaced unless ``overwrite``.
"""
from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field

import av
import numpy as np

from latentcut.errors import LatentcutError
from latentcut.exports.names import fill
from latentcut.io.atomic import atomic_path, check_outputs
from latentcut.io.ledger import Ledger
from latentcut.io.video import open_container

#: containers a stream copy writes; other inputs (GIF, raw video, ...) are re-encoded to MP4
COPYABLE = (".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v", ".ts")
#: video codecs that MP4 and the other containers above cannot hold as they are
UNCOPYABLE_CODECS = {"gif", "rawvideo", "apng", "png", "bmp", "webp"}

DEFAULT_TEMPLATE = "$VIDEO_NAME-Shot-$SHOT_NUMBER"


@dataclass
class SplitFile:
    path: str
    shots: list[int]  #: the shot numbers this file holds
    start: float  #: where the file begins in the source, seconds
    end: float  #: where it ends (exclusive)
    frames: int = 0  #: video frames written
    notes: list[str] = field(default_factory=list)


def plan_names(video: str, shots, out_dir: str, template: str, ext: str) -> list[str]:
    return [os.path.join(out_dir, fill(template, video, s, len(shots), 0, 1) + ext) for s in shots]


def check_free_space(paths: list[str], overwrite: bool, inputs: tuple[str, ...], ledger: Ledger) -> None:
    """No planned file is an input (even with ``overwrite``), and none exists unless ``overwrite``
    or ``ledger`` (of the folder they go to) says latentcut wrote it there (an earlier, interrupted run)."""
    check_outputs({"video" if len(inputs) == 1 else f"input {i + 1}": p for i, p in enumerate(inputs)},
                  {os.path.basename(p): p for p in paths})
    if overwrite:
        return
    taken = [p for p in paths if os.path.lexists(p) and not ledger.owns(p)]
    if taken:
        more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
        raise LatentcutError(f"{taken[0]}: already exists{more}; latentcut does not replace files it did not just "
                             "make (choose another folder or template, or give --overwrite)")


def make_out_dir(out_dir: str) -> None:
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise LatentcutError(f"-o {out_dir}: cannot make this folder ({exc.strerror})") from None


def split_video(video: str, shots, out_dir: str, template: str = DEFAULT_TEMPLATE, copy: bool = False,
                overwrite: bool = False, progress=None, codec: str = "libx264", crf: int = 18,
                preset: str = "veryfast") -> list[SplitFile]:
    """Write one file per shot of ``video`` into ``out_dir``, re-encoded (H.264 at ``crf`` and
    ``preset``, AAC) so each starts on its shot's first frame; ``copy`` copies the streams instead,
    cutting at keyframes (shots between two keyframes share a file). Returns what was written."""
    if not shots:
        return []
    ext = os.path.splitext(video)[1].lower() or ".mp4"
    asked = copy
    copy = copy and ext in COPYABLE and _video_codec(video) not in UNCOPYABLE_CODECS
    if not copy:
        ext = ".mp4"
    names = plan_names(video, shots, out_dir, template, ext)
    if len(set(names)) != len(names):
        raise LatentcutError("the name template gives two shots the same file name; add $SHOT_NUMBER")
    ledger = Ledger(out_dir)
    check_free_space(names, overwrite, (video,), ledger)
    make_out_dir(out_dir)
    if not copy:
        files = _reencode(video, shots, names, progress, codec, crf, ledger, preset)
        if asked:
            for f in files:
                f.notes.append("re-encoded to H.264 MP4: this video's codec cannot be copied into a shot file")
        return files
    return _copy(video, shots, names, progress, ledger)


def _video_codec(video: str) -> str:
    container = open_container(video)
    try:
        return container.streams.video[0].codec_context.name
    finally:
        container.close()


@contextlib.contextmanager
def _written(path: str, ledger: Ledger | None):
    """``atomic_path``, and the file noted as latentcut's once it is in place."""
    with atomic_path(path) as tmp:
        yield tmp
    if ledger is not None:
        ledger.record([path])


# -- stream copy ------------------------------------------------------------------------------------------


def _keyframe_times(video: str) -> np.ndarray:
    """Presentation times (s, from the video stream's start) of the video keyframes: packets only, no decoding."""
    container = open_container(video)
    try:
        vs = container.streams.video[0]
        start = vs.start_time or 0
        out = [float((p.pts - start) * vs.time_base) for p in container.demux(vs)
               if p.pts is not None and p.is_keyframe]
    finally:
        container.close()
    return np.asarray(sorted(out))


def _copy(video: str, shots, names: list[str], progress, ledger: Ledger | None = None) -> list[SplitFile]:
    keys = _keyframe_times(video)
    half = 0.5 / (shots[0].start.fps or 25.0)
    files: list[SplitFile] = []
    for i, s in enumerate(shots):
        if i == 0:
            # the first file begins at the keyframe at or before the first shot (a --start range):
            # a copy can only begin at a keyframe, and the range must be whole
            before = int(np.searchsorted(keys, s.start.seconds + half, side="right")) - 1
            files.append(SplitFile(names[0], [s.number], float(keys[before]) if before >= 0 else 0.0, s.end.seconds))
            continue
        at = int(np.searchsorted(keys, s.start.seconds - half))
        key = float(keys[at]) if at < len(keys) else np.inf
        if key >= s.end.seconds - half or key <= files[-1].start + 1e-9:
            files[-1].shots.append(s.number)  # no keyframe of its own: it goes with the file before
            files[-1].end = s.end.seconds
            continue
        files.append(SplitFile(names[i], [s.number], key, s.end.seconds))
    for k in range(len(files) - 1):
        files[k].end = files[k + 1].start
    after = int(np.searchsorted(keys, files[-1].end - half))
    if after < len(keys):  # an --end range: the copy runs on to the next keyframe
        files[-1].end = float(keys[after])
    for f in files:
        if len(f.shots) > 1:
            f.notes.append(f"shots {f.shots[0]}-{f.shots[-1]} share this file: no keyframe in between "
                           "(leave out --copy to cut at every shot)")
    container = open_container(video)
    try:
        vs = container.streams.video[0]
        v0 = float((vs.start_time or 0) * vs.time_base)
        audio = _Feed(video, v0, packets=True)
        current = 0
        for _ in audio.take(files[0].start):  # audio before the first shot belongs to no file
            pass
        with _Outputs(files, [vs] + audio.streams, v0, ledger) as outputs:
            for pkt in container.demux(vs):
                if pkt.pts is None or pkt.size == 0:
                    continue
                t = float(pkt.pts * vs.time_base) - v0
                if t < files[0].start - 1e-6:
                    continue  # before the first shot (a --start range)
                if t >= files[-1].end - 1e-6 and pkt.is_keyframe:
                    break  # past the last shot (an --end range), at the keyframe it was moved to
                if pkt.is_keyframe and current + 1 < len(files) and t >= files[current + 1].start - 1e-6:
                    for apkt in audio.take(files[current + 1].start):
                        outputs.mux(current, apkt)
                    outputs.finish(current)
                    while current + 1 < len(files) and t >= files[current + 1].start - 1e-6:
                        current += 1
                    if progress is not None:
                        progress.update(1)
                for apkt in audio.take(t):
                    outputs.mux(current, apkt)
                outputs.file(current).frames += 1
                outputs.mux(current, pkt)
            for apkt in audio.take(files[-1].end):
                outputs.mux(current, apkt)
        audio.close()
    finally:
        container.close()
    return files


class _Feed:
    """A second pass over a video's audio, read up to a time on request, so each output file gets
    the audio of its own span whatever the container's interleaving."""

    def __init__(self, video: str, v0: float, packets: bool):
        self.container = open_container(video)
        self.streams = list(self.container.streams.audio[:1])
        self.v0, self.packets = v0, packets
        if not self.streams:
            self.items = iter(())
        elif packets:
            self.items = (p for p in self.container.demux(self.streams[0]) if p.pts is not None and p.size)
        else:
            self.items = self.container.decode(self.streams[0])
        self.ahead = None

    def _time(self, item) -> float:
        return float(item.pts * item.time_base) - self.v0 if item.pts is not None else -np.inf

    def take(self, until: float):
        """Items whose presentation time is before ``until`` (seconds from the video's start)."""
        while True:
            if self.ahead is None:
                try:
                    self.ahead = next(self.items)
                except (StopIteration, av.error.FFmpegError, EOFError):
                    return
            if self._time(self.ahead) >= until:
                return
            item, self.ahead = self.ahead, None
            yield item

    def close(self) -> None:
        self.container.close()


class _Outputs:
    """The open output files: each is written to a temporary name and renamed into place when whole."""

    def __init__(self, files: list[SplitFile], streams, v0: float, ledger: Ledger | None = None):
        self.files, self.streams, self.v0, self.ledger = files, streams, v0, ledger
        self.open: dict[int, tuple] = {}
        self.done: set[int] = set()

    def __enter__(self):
        return self

    def file(self, k: int) -> SplitFile:
        return self.files[k]

    def _start(self, k: int):
        ctx = _written(self.files[k].path, self.ledger)
        tmp = ctx.__enter__()
        fmt = _format_for(self.files[k].path)
        out = av.open(tmp, "w", format=fmt)
        mapping = {}
        offsets = {}
        for s in self.streams:
            mapping[(s.type, s.index)] = out.add_stream_from_template(s)
            offsets[(s.type, s.index)] = None
        self.open[k] = (ctx, out, mapping, offsets)
        return self.open[k]

    def mux(self, k: int, pkt) -> None:
        if k in self.done:
            return
        ctx, out, mapping, offsets = self.open.get(k) or self._start(k)
        start = self.files[k].start
        key = (pkt.stream.type, pkt.stream.index)
        if offsets[key] is None:
            # every stream of a file starts at the file's start, so the audio stays in sync
            offsets[key] = int(round((start + self.v0) / pkt.stream.time_base))
        off = offsets[key]
        pkt.pts -= off
        if pkt.dts is not None:
            pkt.dts -= off
        pkt.stream = mapping[key]
        out.mux(pkt)

    def finish(self, j: int) -> None:
        if j not in self.open:
            return
        ctx, out, _, _ = self.open.pop(j)
        out.close()
        ctx.__exit__(None, None, None)
        self.done.add(j)

    def __exit__(self, exc_type, exc, tb):
        for j in sorted(self.open):
            ctx, out, _, _ = self.open.pop(j)
            if exc_type is None:
                out.close()
                ctx.__exit__(None, None, None)
            else:
                try:
                    out.close()
                finally:
                    ctx.__exit__(exc_type, exc, tb)
        return False


def _format_for(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    return {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm", ".avi": "avi",
            ".ts": "mpegts"}.get(ext, "mp4")


# -- frame-exact re-encode ---------------------------------------------------------------------------------


def _reencode(video: str, shots, names: list[str], progress, codec: str, crf: int,
              ledger: Ledger | None = None, preset: str = "veryfast") -> list[SplitFile]:
    if codec not in av.codecs_available:
        codec = "mpeg4"
    files = [SplitFile(n, [s.number], s.start.seconds, s.end.seconds) for n, s in zip(names, shots)]
    firsts = np.asarray([s.start.frame for s in shots])
    container = open_container(video)
    current = -1
    state = None
    feed = None
    try:
        vs = container.streams.video[0]
        vs.thread_type = "AUTO"
        rate = vs.average_rate or vs.guessed_rate or 25
        v0 = float((vs.start_time or 0) * vs.time_base)
        feed = _Feed(video, v0, packets=False)
        audio = feed.streams[0] if feed.streams else None
        for _ in feed.take(files[0].start):  # audio before the first shot belongs to no file
            pass
        last = shots[-1].end.frame
        for index, item in enumerate(container.decode(vs)):
            if index >= last:
                break
            k = int(np.searchsorted(firsts, index, side="right")) - 1
            if k < 0:
                continue  # before the first shot
            if k != current:
                if state is not None:
                    _close_encoded(state, feed.take(files[k].start))
                current = k
                state = _open_encoded(files[k].path, audio, rate, codec, crf, item, ledger, preset)
                _encode_audio(state, feed.take(files[k].start))  # before the file: not in any file
                state["out_audio"] = True
                if progress is not None:
                    progress.update(1)
            t = float(item.pts * item.time_base) - v0 if item.pts is not None else files[current].start
            _encode_audio(state, feed.take(t))
            frame = item.reformat(format="yuv420p", width=state["size"][0], height=state["size"][1])
            frame.pts = files[current].frames
            frame.time_base = state["vtb"]
            for p in state["v"].encode(frame):
                state["out"].mux(p)
            files[current].frames += 1
        if state is not None:
            _close_encoded(state, feed.take(files[-1].end))
            state = None
    except BaseException:
        if state is not None:
            state["out"].close()
            state["ctx"].__exit__(*sys.exc_info())
        raise
    finally:
        container.close()
        if feed is not None:
            feed.close()
    return files


def _open_encoded(path, audio, rate, codec, crf, first, ledger=None, preset="veryfast"):
    from fractions import Fraction

    ctx = _written(path, ledger)
    tmp = ctx.__enter__()
    out = av.open(tmp, "w", format=_format_for(path))
    v = out.add_stream(codec, rate=Fraction(rate))
    w, h = first.width - first.width % 2, first.height - first.height % 2  # yuv420p needs even sides
    v.width, v.height, v.pix_fmt = w, h, "yuv420p"
    if codec == "libx264":
        v.options = {"crf": str(crf), "preset": preset}
    else:
        v.bit_rate = 8_000_000
    a = None
    if audio is not None and "aac" in av.codecs_available:
        a = out.add_stream("aac", rate=audio.rate)
        a.layout = audio.layout.name if audio.layout else "stereo"
    return {"ctx": ctx, "out": out, "v": v, "a": a, "vtb": Fraction(1, 1) / Fraction(rate), "size": (w, h),
            "out_audio": False}


def _encode_audio(state, frames) -> None:
    for fr in frames:
        if state["a"] is None or not state["out_audio"]:
            continue
        fr.pts = None  # the encoder counts samples from the file's start
        for p in state["a"].encode(fr):
            state["out"].mux(p)


def _close_encoded(state, frames) -> None:
    _encode_audio(state, frames)
    for p in state["v"].encode():
        state["out"].mux(p)
    if state["a"] is not None:
        for p in state["a"].encode():
            state["out"].mux(p)
    state["out"].close()
    state["ctx"].__exit__(None, None, None)
