"""CMX 3600 edit decision lists: one event per shot of the one source video, dissolves as ``D``.

Every editor imports these: Premiere, Resolve, Avid, Final Cut (through converters). Record and
source timecodes are the same (a cut list of one file), non-drop-frame.
"""
from __future__ import annotations

import os

from latentcut.detection.results import DetectionResult
from latentcut.exports.timeline import edit_events, edit_rate, frames_to_smpte, source_name
from latentcut.io.atomic import atomic_write

REEL = "AX"  #: the reel name editors use for "a file, not a tape"


def edl_text(result: DetectionResult, title: str | None = None) -> str:
    rate = edit_rate(result.video.fps)
    name = source_name(result)
    tc = lambda f: frames_to_smpte(f, rate)  # noqa: E731
    lines = [f"TITLE: {_clean(title or os.path.splitext(name)[0])[:70]}", "FCM: NON-DROP FRAME", ""]
    prev_out = None
    for n, e in enumerate(edit_events(result), start=1):
        if e.transition and prev_out is not None:
            # CMX 3600 writes a dissolve as two lines of one event: the outgoing source held at the
            # mix's start (zero length), then the incoming source with the mix's length in frames.
            lines.append(f"{n:03d}  {REEL:<8} V     C        {tc(e.record_in)} {tc(e.record_in)} "
                         f"{tc(e.record_in)} {tc(e.record_in)}")
            lines.append(f"{n:03d}  {REEL:<8} V     D    {min(e.transition, 999):03d} {tc(e.record_in)} "
                         f"{tc(e.record_out)} {tc(e.record_in)} {tc(e.record_out)}")
        else:
            lines.append(f"{n:03d}  {REEL:<8} V     C        {tc(e.record_in)} {tc(e.record_out)} "
                         f"{tc(e.record_in)} {tc(e.record_out)}")
        lines.append(f"* FROM CLIP NAME: {_clean(name)}")
        lines.append(f"* SHOT {e.number}")
        lines.append("")
        prev_out = e.record_out
    return "\n".join(lines)


def write_edl(result: DetectionResult, path: str, title: str | None = None) -> None:
    """A CMX 3600 edit decision list of the shots (dissolves as ``D`` events), written atomically."""
    with atomic_write(path, encoding="utf-8", newline="\r\n") as f:
        f.write(edl_text(result, title))


def _clean(text: str) -> str:
    """One printable line: an EDL is read line by line, by fixed columns."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
