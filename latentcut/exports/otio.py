"""OpenTimelineIO timelines, and FCP7 XML (xmeml) written through OTIO's ``fcp_xml`` adapter.

The timeline has a video track and, when the video has sound, an audio track cut alike: a clip
per shot, each referencing the source file with its whole length available, and an SMPTE
dissolve wherever a gradual boundary was found (its in and out offsets reach to the mix's first
and last frames around the point where the clips meet). Rates are the edit rate as OTIO spells
it (24000/1001 as a float), which its NTSC-aware adapters turn back into timebase 24, NTSC.
"""
from __future__ import annotations

import os
import pathlib

from latentcut.detection.results import DetectionResult
from latentcut.exports.timeline import edit_events, edit_rate, meeting_points, source_name
from latentcut.extras import MissingExtraError, require
from latentcut.io.atomic import atomic_write


def timeline(result: DetectionResult, name: str | None = None):
    """The shots as an ``opentimelineio.schema.Timeline``."""
    require("otio", "OpenTimelineIO export")
    import opentimelineio as otio

    rate = float(edit_rate(result.video.fps))
    rt = lambda f: otio.opentime.RationalTime(f, rate)  # noqa: E731
    src = source_name(result)
    events = edit_events(result)
    points = meeting_points(events)
    total = max(points[-1], 1)  # the last event ends at the video's end (and every event lasts a frame)
    url = pathlib.Path(os.path.abspath(result.video.path)).as_uri()
    tl = otio.schema.Timeline(name=name or os.path.splitext(src)[0])
    tl.global_start_time = rt(0)
    kinds = [("V1", otio.schema.TrackKind.Video)]
    if result.video.audio_channels:
        kinds.append(("A1", otio.schema.TrackKind.Audio))
    for track_name, kind in kinds:
        track = otio.schema.Track(name=track_name, kind=kind)
        tl.tracks.append(track)
        for i, e in enumerate(events):
            if e.transition and i:
                mid = points[i]
                track.append(otio.schema.Transition(
                    name=f"dissolve into shot {e.number}", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=rt(mid - e.record_in), out_offset=rt(e.record_in + e.transition - mid)))
            ref = otio.schema.ExternalReference(target_url=url,
                                                available_range=otio.opentime.TimeRange(rt(0), rt(total)))
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


def write_fcp7(result: DetectionResult, path: str) -> None:
    """Final Cut Pro 7 XML (xmeml), which Premiere Pro and DaVinci Resolve import, through OTIO's
    ``fcp_xml`` adapter (needs ``latentcut[otio]``)."""
    tl = timeline(result)
    import opentimelineio as otio

    if "fcp_xml" not in otio.adapters.available_adapter_names():
        raise MissingExtraError("FCP7 XML export needs otio-fcp-adapter, which is not installed: "
                                "pip install 'latentcut[otio]'")
    text = _file_names(otio.adapters.write_to_string(tl, "fcp_xml"))
    with atomic_write(path, encoding="utf-8") as f:
        f.write(text)


def _file_names(xml: str) -> str:
    """The adapter names each ``<file>`` by its URL's last part, escapes and all (``f%C3%AFlm.mp4``):
    an editor shows that name, so it gets the file's own."""
    import urllib.parse
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    for file in root.iter("file"):
        name = file.find("name")
        if name is not None and name.text:
            name.text = urllib.parse.unquote(name.text)
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n' + ET.tostring(root, encoding="unicode") + "\n"
