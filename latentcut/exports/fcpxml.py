"""Final Cut Pro XML (FCPXML 1.9), written directly: one asset (the source video, with its sound),
one project whose spine holds a clip per shot and a Cross Dissolve wherever a gradual boundary
was found.

Every time is an exact rational on the edit rate's frame grid (``1001/24000s`` a frame at
23.976), which Final Cut Pro, DaVinci Resolve and OpenTimelineIO's ``fcpx_xml`` reader need: a
float rate there loses the format (the reason this is not written through that adapter).
"""
from __future__ import annotations

import os
import pathlib
import xml.etree.ElementTree as ET

from latentcut.detection.results import DetectionResult
from latentcut.exports.timeline import edit_events, edit_rate, meeting_points, rational_seconds, source_name
from latentcut.io.atomic import atomic_write

VERSION = "1.9"  #: Final Cut Pro 10.4.1 and later, DaVinci Resolve 16 and later
#: Final Cut Pro's own effects, by their published uids
CROSS_DISSOLVE = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"
AUDIO_CROSSFADE = "FFAudioTransition"


def fcpxml_text(result: DetectionResult, name: str | None = None) -> str:
    rate = edit_rate(result.video.fps)
    t = lambda frames: rational_seconds(frames, rate)  # noqa: E731
    src = source_name(result)
    title = name or os.path.splitext(src)[0]
    events = edit_events(result)
    points = meeting_points(events)
    total = max(points[-1], 1)  # the last event ends at the video's end (and every event lasts a frame)
    info = result.video
    sound = info.audio_channels > 0
    width, height = info.display_size

    root = ET.Element("fcpxml", version=VERSION)
    res = ET.SubElement(root, "resources")
    ET.SubElement(res, "format", id="r1", frameDuration=t(1), width=str(width), height=str(height))
    asset = ET.SubElement(res, "asset", id="r2", name=src, start="0s", duration=t(total), hasVideo="1",
                          format="r1", src=pathlib.Path(os.path.abspath(info.path)).as_uri())
    if sound:
        asset.set("hasAudio", "1")
        asset.set("audioSources", "1")
        asset.set("audioChannels", str(info.audio_channels))
        asset.set("audioRate", str(info.audio_rate))
    mixes = any(e.transition for e in events[1:])
    if mixes:
        ET.SubElement(res, "effect", id="r3", name="Cross Dissolve", uid=CROSS_DISSOLVE)
        if sound:
            ET.SubElement(res, "effect", id="r4", name="Audio Crossfade", uid=AUDIO_CROSSFADE)
    event = ET.SubElement(ET.SubElement(root, "library"), "event", name=title)
    seq = ET.SubElement(ET.SubElement(event, "project", name=title), "sequence", format="r1",
                        duration=t(points[-1]), tcStart="0s", tcFormat="NDF")
    if sound:
        seq.set("audioLayout", "mono" if info.audio_channels == 1 else "stereo")
        seq.set("audioRate", "48k" if info.audio_rate != 44100 else "44.1k")
    spine = ET.SubElement(seq, "spine")
    for i, e in enumerate(events):
        if e.transition and i:
            # the mix from its first frame to its last, across the point where the two clips meet
            tr = ET.SubElement(spine, "transition", name="Cross Dissolve", offset=t(e.record_in),
                               duration=t(e.transition))
            ET.SubElement(tr, "filter-video", ref="r3", name="Cross Dissolve")
            if sound:
                ET.SubElement(tr, "filter-audio", ref="r4", name="Audio Crossfade")
        clip = ET.SubElement(spine, "asset-clip", name=f"{src} shot {e.number}", ref="r2", offset=t(points[i]),
                             start=t(points[i]), duration=t(points[i + 1] - points[i]), format="r1", tcFormat="NDF")
        ET.SubElement(clip, "note").text = f"latentcut shot {e.number}"
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_fcpxml(result: DetectionResult, path: str, name: str | None = None) -> None:
    """Final Cut Pro XML of the shots (dissolves as transitions, sound with the pictures), written atomically."""
    text = fcpxml_text(result, name)
    with atomic_write(path, encoding="utf-8") as f:
        f.write(text)
