"""Every edit-list export at every common frame rate, with and without sound, read back.

The demo clip (cuts, a dissolve, a flash) is written at 23.976, 24, 25, 29.97, 30, 50 and 59.94
fps and at a variable rate, each with and without an audio track. Each is detected once and
exported as EDL, OTIO, FCPXML and FCP7 XML; OpenTimelineIO's adapters read each back, and the
clips' positions and lengths, the dissolve's, and the audio track must equal the detected shots
on the edit rate's frame grid, to the frame. FCPXML is also read by an exact reader here: the
``fcpx_xml`` adapter truncates rates to whole numbers (29.97 reads as 29), so at NTSC rates it
cannot be the judge; Final Cut Pro needs every time on the format's frame boundaries.
"""
import os
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

import latentcut
from latentcut.cli import main
from latentcut.exports.timeline import edit_events, edit_rate, meeting_points
from latentcut.synthetic.demo import make_demo_clip

otio = pytest.importorskip("opentimelineio")

RATES = {"23.976": Fraction(24000, 1001), "24": Fraction(24), "25": Fraction(25), "29.97": Fraction(30000, 1001),
         "30": Fraction(30), "50": Fraction(50), "59.94": Fraction(60000, 1001), "vfr": "vfr"}
CASES = [(name, sound) for name in RATES for sound in (False, True)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{n}-{'sound' if s else 'silent'}" for n, s in CASES])
def exported(request, tmp_path_factory):
    name, sound = request.param
    d = tmp_path_factory.mktemp("matrix")
    video = str(d / f"clip {name}.mp4")
    vfr = RATES[name] == "vfr"
    make_demo_clip(video, fps=24 if vfr else RATES[name], audio=sound, vfr=vfr)
    outs = {"edl": d / "c.edl", "otio": d / "c.otio", "fcpxml": d / "c.fcpxml", "fcp7": d / "c.xml"}
    assert main(["detect", video, "-q", *[a for k, p in outs.items() for a in (f"--{k}", str(p))]]) == 0
    return name, sound, latentcut.detect(video), outs


def _timeline(path, adapter, **kw):
    tl = otio.adapters.read_from_file(str(path), adapter, **kw)
    if not hasattr(tl, "tracks"):  # the FCPXML reader gives a library's collection of timelines
        tl = next(iter(tl.find_children(descended_from_type=otio.schema.Timeline)))
    return tl


def _items(track):
    """(kind, first frame or (in, out) offsets, frames) of each item of a track."""
    out = []
    for it in track:
        if isinstance(it, otio.schema.Transition):
            out.append(("mix", (it.in_offset.to_frames(), it.out_offset.to_frames()), it.duration().to_frames()))
        else:
            out.append((type(it).__name__.lower(), it.trimmed_range_in_parent().start_time.to_frames(),
                        it.duration().to_frames()))
    return out


def _expected(r):
    """The items a timeline that overlaps clips under each mix must hold (OTIO, FCPXML, FCP7 XML)."""
    events = edit_events(r)
    points = meeting_points(events)
    want = []
    for i, e in enumerate(events):
        if e.transition and i:
            want.append(("mix", (points[i] - e.record_in, e.record_in + e.transition - points[i]), e.transition))
        want.append(("clip", points[i], points[i + 1] - points[i]))
    return want


def test_the_edit_events_are_the_detected_shots_on_the_grid(exported):
    name, _, r, _ = exported
    rate = edit_rate(r.video.fps)
    assert rate == (Fraction(24) if name == "vfr" else RATES[name])
    events = edit_events(r)
    assert len(events) == len(r.shots) >= 5
    if name not in ("50", "59.94"):
        # at 50 fps and up the span step misses this half-second dissolve (known: the straightness of a
        # mix falls as more frames' compression noise adds up over the span); the exports are still exact
        assert any(e.transition for e in events)
    by_frame = {c.frame.frame: c for c in r.cuts}
    for e, s in zip(events, r.shots):
        cut = by_frame.get(s.start.frame)
        first = cut.start if cut is not None and cut.is_gradual else s.start
        if name == "vfr":  # conformed: each boundary where a player shows it
            assert e.record_in == round(first.seconds * rate)
        else:
            assert e.record_in == first.frame
    assert events[-1].record_out == round(r.video_end * rate)
    if name != "vfr":
        assert events[-1].record_out == r.frames


def test_edl_reads_back(exported):
    _, _, r, outs = exported
    rate = edit_rate(r.video.fps)
    tl = _timeline(outs["edl"], "cmx_3600", rate=float(rate))
    events = edit_events(r)
    got = _items(tl.tracks[0])
    clips = [g for g in got if g[0] == "clip"]
    mixes = [g for g in got if g[0] == "mix"]
    # CMX 3600 puts the whole mix at the incoming event's head
    assert [c[1] for c in clips] == [e.record_in for e in events]
    assert sum(c[2] for c in clips) == events[-1].record_out  # a transition takes no time of its own in OTIO
    assert [m[2] for m in mixes] == [e.transition for e in events[1:] if e.transition]
    assert all(abs(t.duration().rate - float(rate)) < 1e-6 for t in tl.tracks)


@pytest.mark.parametrize("fmt,adapter", [("otio", "otio_json"), ("fcp7", "fcp_xml")])
def test_otio_and_fcp7_read_back_with_sound_where_the_video_has_it(exported, fmt, adapter):
    _, sound, r, outs = exported
    rate = float(edit_rate(r.video.fps))
    tl = _timeline(outs[fmt], adapter)
    kinds = [t.kind for t in tl.tracks]
    assert kinds == ["Video", "Audio"] if sound else kinds == ["Video"]
    for t in tl.tracks:
        assert _items(t) == _expected(r)
        assert all(abs(it.duration().rate - rate) < 1e-6 for it in t)
    if fmt == "fcp7":  # the file as an editor lists it: its own name, not its URL's escapes
        names = {el.findtext("name") for el in ET.parse(outs[fmt]).getroot().iter("file")} - {None}  # later uses: id only
        assert names == {os.path.basename(r.video.path)} and " " in names.pop()


def _sec(v: str) -> Fraction:
    return Fraction(v[:-1]) if v.endswith("s") else Fraction(v)


def test_fcpxml_is_exact_on_the_frame_grid(exported):
    name, sound, r, outs = exported
    rate = edit_rate(r.video.fps)
    root = ET.parse(outs["fcpxml"]).getroot()
    fmt = root.find("./resources/format")
    assert _sec(fmt.get("frameDuration")) == 1 / rate  # 1001/24000s at 23.976, never empty
    asset = root.find("./resources/asset")
    assert asset.get("hasAudio", "0") == ("1" if sound else "0") and asset.get("hasVideo") == "1"
    if sound:
        assert asset.get("audioChannels") == "2" and asset.get("audioRate") == "48000"
    spine = root.find("./library/event/project/sequence/spine")
    got = []
    for el in spine:
        frames = {k: _sec(el.get(k)) * rate for k in ("offset", "duration", "start") if el.get(k)}
        assert all(v.denominator == 1 for v in frames.values()), (el.tag, el.attrib)  # on edit frame boundaries
        if el.tag == "transition":
            got.append(("mix", int(frames["offset"]), int(frames["duration"])))
        else:
            assert el.tag == "asset-clip" and frames["start"] == frames["offset"]  # the source's own time
            got.append(("clip", int(frames["offset"]), int(frames["duration"])))
    events = edit_events(r)
    want = [("mix", e.record_in, e.transition) if k == "mix" else ("clip", e2, n)
            for (k, e2, n), e in zip(_expected(r), _events_by_item(events))]
    assert got == want


def _events_by_item(events):
    """The edit event each expected item belongs to (a mix belongs to the clip after it)."""
    for i, e in enumerate(events):
        if e.transition and i:
            yield e
        yield e


def test_fcpxml_reads_back_through_otio_at_whole_rates(exported):
    """otio-fcpx-xml-adapter 1.0 reads times as ``int(float seconds x fps)``, which can land a frame
    short (29/25 s reads as 28 frames), and truncates NTSC rates: it reads the clips and their
    names, and each within the frame its arithmetic loses; the exact test above is the judge."""
    name, _, r, outs = exported
    rate = edit_rate(r.video.fps)
    if rate.denominator != 1:
        pytest.skip("otio-fcpx-xml-adapter 1.0 truncates NTSC rates (29.97 reads as 29); the exact test covers them")
    tl = _timeline(outs["fcpxml"], "fcpx_xml")
    clips = [i for i in tl.tracks[0] if isinstance(i, otio.schema.Clip)]
    want = [w for w in _expected(r) if w[0] == "clip"]
    assert [c.name for c in clips] == [f"clip {name}.mp4 shot {s.number}" for s in r.shots]
    assert len(clips) == len(want)
    for c, (_, start, frames) in zip(clips, want):
        assert abs(c.source_range.start_time.to_frames() - start) <= 1 and abs(c.duration().to_frames() - frames) <= 1
