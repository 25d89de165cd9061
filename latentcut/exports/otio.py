"""OpenTimelineIO timelines, and FCPXML written through OTIO's own adapter.

The timeline has one video track: a clip per shot, each referencing the source file with its
whole length available, and an SMPTE dissolve wherever a gradual boundary was found (its in and
out offsets reach to the mix's first and last frames around the cut point).
"""
from __future__ import annotations

import os
import pathlib

from latentcut.detection.results import DetectionResult
from latentcut.exports.timeline import edit_events, edit_rate, grid, source_name
from latentcut.extras import MissingExtraError, require
from latentcut.io.atomic import atomic_write


def timeline(result: DetectionResult, name: str | None = None):
    """The shots as an ``opentimelineio.schema.Timeline``."""
    require("otio", "OpenTimelineIO export")
    import opentimelineio as otio

    rate = float(edit_rate(result.video.fps))
    rt = lambda f: otio.opentime.RationalTime(f, rate)  # noqa: E731
    src = source_name(result)
    total = max(grid(result.video_end, edit_rate(result.video.fps)), 1)
    url = pathlib.Path(os.path.abspath(result.video.path)).as_uri()
    tl = otio.schema.Timeline(name=name or os.path.splitext(src)[0])
    tl.global_start_time = rt(0)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    tl.tracks.append(track)
    events = edit_events(result)
    # OTIO keeps a cut point inside each mix: the clips meet at the mix's middle
    points = [e.record_in + e.transition // 2 if e.transition and i else e.record_in for i, e in enumerate(events)]
    points.append(events[-1].record_out if events else total)
    for i, e in enumerate(events):
        if e.transition and i:
            mid = points[i]
            track.append(otio.schema.Transition(
                name=f"dissolve into shot {e.number}", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                in_offset=rt(mid - e.record_in), out_offset=rt(e.record_in + e.transition - mid)))
        ref = otio.schema.ExternalReference(target_url=url, available_range=otio.opentime.TimeRange(rt(0), rt(total)))
        clip = otio.schema.Clip(name=f"{src} shot {e.number}", media_reference=ref,
                                source_range=otio.opentime.TimeRange(rt(points[i]), rt(points[i + 1] - points[i])))
        clip.metadata["latentcut"] = {"shot": e.number}
        track.append(clip)
    return tl


def write_otio(result: DetectionResult, path: str) -> None:
    """An OpenTimelineIO timeline of the shots, dissolves as transitions (needs ``latentcut[otio]``)."""
    import opentimelineio as otio

    text = otio.adapters.write_to_string(timeline(result), "otio_json")
    with atomic_write(path, encoding="utf-8") as f:
        f.write(text)


def write_fcpxml(result: DetectionResult, path: str) -> None:
    """Final Cut Pro X XML through OTIO's ``fcpx_xml`` adapter (otio-fcpx-xml-adapter)."""
    tl = timeline(result)
    import opentimelineio as otio

    if "fcpx_xml" not in otio.adapters.available_adapter_names():
        raise require_fcpx()
    _hide_quotes(tl)
    text = _unhide_quotes(_with_transitions(otio.adapters.write_to_string(tl, "fcpx_xml"), tl))
    with atomic_write(path, encoding="utf-8") as f:
        f.write(text)


# The adapter looks names up with XPath predicates (``[@name='...']``), which a quote in a file name
# breaks; names travel through it as tokens and come back escaped in the finished XML.
_QUOTES = {"'": ("LATENTCUT-APOS-2f9c", "&apos;"), '"': ("LATENTCUT-QUOT-2f9c", "&quot;")}


def _hide_quotes(tl) -> None:
    def hide(text: str) -> str:
        for q, (token, _) in _QUOTES.items():
            text = text.replace(q, token)
        return text

    tl.name = hide(tl.name)
    for track in tl.tracks:
        track.name = hide(track.name)
        for item in track:
            item.name = hide(item.name)


def _unhide_quotes(xml: str) -> str:
    for token, escaped in _QUOTES.values():
        xml = xml.replace(token, escaped)
    return xml


def _with_transitions(xml: str, tl) -> str:
    """The adapter drops transitions; FCPXML has them: a ``<transition>`` in the spine between the
    two clips it mixes, its offset at the mix's start on the sequence's time line."""
    import xml.etree.ElementTree as ET

    import opentimelineio as otio

    root = ET.fromstring(xml)
    spine = root.find("./project/sequence/spine")
    mixes = [it for it in tl.tracks[0] if isinstance(it, otio.schema.Transition)]
    if spine is None or not mixes:
        return xml
    clips = list(spine)
    at = 0
    for it in tl.tracks[0]:
        if isinstance(it, otio.schema.Transition):
            start = it.range_in_parent().start_time  # OTIO places a transition from the mix's start
            el = ET.Element("transition", name="Cross Dissolve", offset=_seconds(start),
                            duration=_seconds(it.in_offset + it.out_offset))
            spine.insert(list(spine).index(clips[at]), el)
        else:
            at += 1
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n' + body + "\n"


def _seconds(t) -> str:
    """An OTIO time as FCPXML's rational seconds ("5/4s")."""
    from fractions import Fraction

    v = Fraction(int(round(t.value)), 1) / Fraction(t.rate).limit_denominator(1001)
    return f"{v.numerator}s" if v.denominator == 1 else f"{v.numerator}/{v.denominator}s"


def require_fcpx():
    return MissingExtraError("FCPXML export needs otio-fcpx-xml-adapter, which is not installed: "
                             "pip install 'latentcut[otio]'")
