"""The exports' arithmetic on made-up results, fast enough for mutation testing: edit events and
their rates, SMPTE timecodes, EDL lines, name templates, stills' frames and sizes."""
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from latentcut.detection.results import Cut, Shot
from latentcut.exports.edl import _clean, edl_text
from latentcut.exports.images import image_frames, output_size
from latentcut.exports.names import check_template, fill
from latentcut.exports.timeline import EditEvent, edit_events, edit_rate, frames_to_smpte, grid
from latentcut.io.timecode import Timecode

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process


def result(bounds, frames, fps=24.0, gradual=None, path="/x/My film.mp4", channels=0):
    """A stand-in DetectionResult: cuts at ``bounds`` (frame numbers), ``gradual`` maps a bound to
    its (first, last) mixed frames (the Cut's end is the frame after the last); times are frame / fps."""
    gradual = gradual or {}
    tc = lambda f: Timecode(f, f / fps, fps)  # noqa: E731
    cuts = [Cut(tc(b), 0.5, "gradual", tc(gradual[b][0]), tc(gradual[b][1] + 1)) if b in gradual else Cut(tc(b), 0.5)
            for b in bounds]
    edges = [0, *bounds, frames]
    shots = [Shot(i + 1, tc(a), tc(b)) for i, (a, b) in enumerate(zip(edges, edges[1:]))]
    video = SimpleNamespace(fps=fps, path=path, audio_channels=channels, audio_rate=48000 if channels else 0,
                            display_size=(640, 360))
    return SimpleNamespace(cuts=cuts, shots=shots, video_end=frames / fps, video=video)


def test_events_of_plain_cuts():
    ev = edit_events(result([24, 50], 80))
    assert ev == [EditEvent(1, 0, 24, 0), EditEvent(2, 24, 50, 0), EditEvent(3, 50, 80, 0)]


def test_a_dissolve_starts_its_event_at_the_mix():
    ev = edit_events(result([24, 60], 90, gradual={60: (55, 64)}))
    assert ev == [EditEvent(1, 0, 24, 0), EditEvent(2, 24, 55, 0), EditEvent(3, 55, 90, 10)]


def test_events_follow_times_not_frame_numbers():
    r = result([30], 60, fps=30.0)
    r.cuts[0] = Cut(Timecode(30, 1.5, 30.0), 0.5)  # a variable-rate video: frame 30 shows at 1.5 s
    r.shots[1] = Shot(2, Timecode(30, 1.5, 30.0), r.shots[1].end)
    assert [e.record_in for e in edit_events(r)] == [0, 45]


def test_a_mix_never_runs_past_its_event_or_before_the_last():
    r = result([10, 12], 20, gradual={12: (4, 30)})
    ev = edit_events(r)
    assert ev[2].record_in == 11 and ev[2].transition == 9  # clamped into (prev start, own end]
    assert all(e.record_out > e.record_in for e in ev)


def test_a_mix_lasts_a_frame_at_least():
    one = edit_events(result([24, 60], 90, gradual={60: (60, 60)}))
    assert one[2] == EditEvent(3, 60, 90, 1)
    backwards = edit_events(result([24, 60], 90, gradual={60: (58, 55)}))  # a damaged mix: ends before it starts
    assert backwards[2] == EditEvent(3, 58, 90, 1)


def test_a_range_starts_the_events_at_the_first_shot():
    r = result([60], 90)
    r.shots[0] = Shot(1, Timecode(30, 30 / 24, 24.0), r.shots[0].end)
    assert [(e.record_in, e.record_out) for e in edit_events(r)] == [(30, 60), (60, 90)]
    r.video_end = 50 / 24  # an end before the last shot's start still gives it a frame
    assert edit_events(r)[-1] == EditEvent(2, 60, 61, 0)


def test_the_last_event_reaches_the_end_and_never_is_empty():
    assert edit_events(result([], 1))[0] == EditEvent(1, 0, 1, 0)
    r = result([], 10)
    r.video_end = 0.0
    assert edit_events(r)[0] == EditEvent(1, 0, 1, 0)


@given(st.lists(st.integers(1, 500), unique=True, max_size=12), st.integers(1, 40))
def test_events_are_gapless_and_cover_the_video(bounds, tail):
    bounds = sorted(bounds)
    frames = (bounds[-1] if bounds else 0) + tail
    ev = edit_events(result(bounds, frames))
    assert ev[0].record_in == 0 and ev[-1].record_out == frames
    assert all(a.record_out == b.record_in for a, b in zip(ev, ev[1:]))
    assert [e.number for e in ev] == list(range(1, len(bounds) + 2))


@pytest.mark.parametrize("fps,num,den", [(24, 24, 1), (23.976, 24000, 1001), (23.98, 24000, 1001), (29.97, 30000, 1001),
                                         (47.952, 48000, 1001), (59.94, 60000, 1001), (119.88, 120000, 1001),
                                         (25.004, 25, 1), (30, 30, 1), (-1, 25, 1), (None, 25, 1), (float("nan"), 25, 1),
                                         (24.05, 24, 1), (23.9, 24000, 1001), (15, 15, 1), (10, 10, 1),
                                         # half rates doubled: each frame held for two grid frames, exactly
                                         (12.5, 25, 1), (0.5, 1, 1), (7.5, 15, 1), (12527 / 1002, 25, 1),
                                         # anything else (variable rates) conformed to the next usual rate up
                                         (27.43, 30, 1), (21.3, 24, 1), (24.6, 25, 1), (41.3, 50, 1), (55.1, 60, 1), (41.0, 41, 1),
                                         (90.7, 120, 1), (1000, 1000, 1), (0.3, 24, 1)])
def test_rates(fps, num, den):
    r = edit_rate(fps)
    assert (r.numerator, r.denominator) == (num, den)


def test_grid_rounds_to_the_nearest_frame():
    assert grid(1.0, edit_rate(24)) == 24 and grid(1.02, edit_rate(24)) == 24 and grid(1.03, edit_rate(24)) == 25
    assert grid(1.001, edit_rate(29.97)) == 30


@pytest.mark.parametrize("frames,fps,text", [(0, 24, "00:00:00:00"), (23, 24, "00:00:00:23"), (24, 24, "00:00:01:00"),
                                             (24 * 60, 24, "00:01:00:00"), (24 * 3600 + 1, 24, "01:00:00:01"),
                                             (30 * 61 + 29, 29.97, "00:01:01:29"), (25 * 100 * 3600, 25, "100:00:00:00"),
                                             (5, 1, "00:00:05:00"), (5, 0.5, "00:00:05:00")])
def test_smpte(frames, fps, text):
    assert frames_to_smpte(frames, edit_rate(fps)) == text


def test_edl_lines_exactly():
    text = edl_text(result([24, 60], 90, gradual={60: (55, 64)}))
    assert text.splitlines() == [
        "TITLE: My film", "FCM: NON-DROP FRAME", "",
        "001  AX       V     C        00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00",
        "* FROM CLIP NAME: My film.mp4", "* SHOT 1", "",
        "002  AX       V     C        00:00:01:00 00:00:02:07 00:00:01:00 00:00:02:07",
        "* FROM CLIP NAME: My film.mp4", "* SHOT 2", "",
        "003  AX       V     C        00:00:02:07 00:00:02:07 00:00:02:07 00:00:02:07",
        "003  AX       V     D    010 00:00:02:07 00:00:03:18 00:00:02:07 00:00:03:18",
        "* FROM CLIP NAME: My film.mp4", "* SHOT 3",
    ]
    assert text.endswith("* SHOT 3\n")
    assert edl_text(result([], 10), title="x" * 90).splitlines()[0] == "TITLE: " + "x" * 70
    long_mix = edl_text(result([10], 2000, gradual={10: (10, 1509)})).splitlines()
    assert long_mix[8] == "002  AX       V     D    999 00:00:00:10 00:01:23:08 00:00:00:10 00:01:23:08"  # 3 digits at most


def test_a_first_shot_that_begins_with_a_mix_is_a_plain_event():
    r = result([], 30)
    r.cuts = [Cut(Timecode(0, 0.0, 24.0), 0.5, "gradual", Timecode(0, 0.0, 24.0), Timecode(5, 5 / 24, 24.0))]
    lines = edl_text(r).splitlines()
    assert lines[3].startswith("001  AX       V     C ") and not any(" D " in ln for ln in lines)


def test_edl_keeps_names_on_one_line():
    assert _clean("a\nb\tc  d\x00e") == "a b c d e"
    assert "* FROM CLIP NAME: bad name.mp4" in edl_text(result([], 5, path="/x/bad\nname.mp4"))


def test_templates():
    shot = Shot(7, Timecode(120, 5.0, 24.0), Timecode(168, 7.0, 24.0))
    assert fill("$VIDEO_NAME-Shot-$SHOT_NUMBER", "/a/b/film.x.mp4", shot, 12, 0, 1) == "film.x-Shot-007"
    assert fill("${SCENE_NUMBER}_$START_FRAME-$END_FRAME", "v.mp4", shot, 1200, 0, 1) == "0007_120-168"
    assert fill("$START_TIME-$END_TIME", "v.mp4", shot, 1, 0, 1) == "5.000-7.000"
    assert fill("$SHOT_NUMBER-$IMAGE_NUMBER", "v.mp4", shot, 3, image=0, images=3) == "007-01"
    assert fill("$SHOT_NUMBER-$IMAGE_NUMBER", "v.mp4", shot, 3, image=9, images=120) == "007-010"
    assert fill("$$VIDEO_NAME$SHOT_NUMBER", "v.mp4", shot, 1, 0, 1) == "$VIDEO_NAME007"


@pytest.mark.parametrize("template,message", [
    ("$VIDEO_NAME", "--template: the template must tell shots apart ($SHOT_NUMBER or $START_FRAME)"),
    ("$NOPE-$SHOT_NUMBER", "--template: unknown field $NOPE; known: $VIDEO_NAME, $SHOT_NUMBER, $SCENE_NUMBER, "
                           "$IMAGE_NUMBER, $START_FRAME, $END_FRAME, $START_TIME, $END_TIME"),
    ("a/$SHOT_NUMBER", "--template: a name template holds no folder (give the folder with -o)"),
    ("a\\$SHOT_NUMBER", "--template: a name template holds no folder (give the folder with -o)"),
    ("50$-$SHOT_NUMBER", "--template: a '$' that starts no field (write $$ for a dollar sign)"),
    ("${SHOT_NUMBER", "--template: a '$' that starts no field (write $$ for a dollar sign)"),
])
def test_bad_templates(template, message):
    with pytest.raises(ValueError) as err:
        check_template(template, "--template")
    assert str(err.value) == message


def test_good_templates():
    for t in ("$SHOT_NUMBER", "$START_FRAME", "x-$START_TIME", "${VIDEO_NAME}-${SCENE_NUMBER}", "$$-$SHOT_NUMBER"):
        check_template(t, "--template")
    check_template("$VIDEO_NAME", "--template", needs_shot=False)


@pytest.mark.parametrize("start,end,n,margin,want", [
    (0, 10, 3, 1, [1, 4, 8]), (0, 10, 1, 1, [4]), (0, 10, 2, 0, [0, 9]), (5, 6, 3, 1, [5, 5, 5]),
    (0, 4, 3, 1, [0, 2, 3]), (0, 5, 3, 1, [1, 2, 3]), (10, 40, 4, 2, [12, 20, 29, 37]),
])
def test_image_frames(start, end, n, margin, want):
    assert image_frames(Shot(1, Timecode(start, 0.0), Timecode(end, 1.0)), n, margin) == want


@given(st.integers(0, 1000), st.integers(1, 300), st.integers(1, 8), st.integers(0, 5))
def test_image_frames_stay_in_the_shot_and_in_order(start, length, n, margin):
    f = image_frames(Shot(1, Timecode(start, 0.0), Timecode(start + length, 1.0)), n, margin)
    assert len(f) == n and f == sorted(f) and start <= f[0] and f[-1] <= start + length - 1


@pytest.mark.parametrize("kw,want", [({}, (1080, 1920)), ({"scale": 0.25}, (270, 480)), ({"width": 640}, (360, 640)),
                                     ({"height": 100}, (100, 178)), ({"width": 10, "height": 20}, (20, 10)),
                                     ({"scale": 0.0001}, (1, 1))])
def test_output_size(kw, want):
    assert output_size((1920, 1080), **kw) == want


def test_write_edl_writes_crlf_lines(tmp_path):
    from latentcut.exports.edl import write_edl

    r = result([24], 48)
    write_edl(r, str(tmp_path / "a.edl"), title="Cut list")
    data = (tmp_path / "a.edl").read_bytes()
    assert data.startswith(b"TITLE: Cut list\r\nFCM: NON-DROP FRAME\r\n\r\n001  AX ")
    assert data.replace(b"\r\n", b"\n").decode() == edl_text(r, "Cut list")
    assert b"\n" not in data.replace(b"\r\n", b"")


def _fcpxml(r, name=None):
    import xml.etree.ElementTree as ET

    from latentcut.exports.fcpxml import fcpxml_text

    text = fcpxml_text(r, name)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n')
    return ET.fromstring(text.split("\n", 3)[3])


def test_fcpxml_exactly_at_29_97_with_a_dissolve_and_sound():
    r = result([24, 60], 90, fps=30000 / 1001, gradual={60: (55, 64)}, channels=2)
    root = _fcpxml(r)
    assert root.tag == "fcpxml" and root.get("version") == "1.9"
    fmt, asset, dissolve, crossfade = list(root.find("resources"))
    assert fmt.attrib == {"id": "r1", "frameDuration": "1001/30000s", "width": "640", "height": "360"}
    assert asset.attrib == {"id": "r2", "name": "My film.mp4", "start": "0s", "duration": "3003/1000s",
                            "hasVideo": "1", "format": "r1", "src": "file:///x/My%20film.mp4", "hasAudio": "1",
                            "audioSources": "1", "audioChannels": "2", "audioRate": "48000"}
    assert dissolve.tag == crossfade.tag == "effect"
    assert dissolve.attrib == {"id": "r3", "name": "Cross Dissolve", "uid": "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"}
    assert crossfade.attrib == {"id": "r4", "name": "Audio Crossfade", "uid": "FFAudioTransition"}
    event = root.find("library/event")
    assert event.get("name") == "My film" and event.find("project").get("name") == "My film"
    seq = event.find("project/sequence")
    assert seq.attrib == {"format": "r1", "duration": "3003/1000s", "tcStart": "0s", "tcFormat": "NDF",
                          "audioLayout": "stereo", "audioRate": "48k"}
    items = [(el.tag, el.get("offset"), el.get("start"), el.get("duration")) for el in seq.find("spine")]
    # clips meet at the mix's middle (55 + 10 // 2 = 60); the mix runs 55-64
    assert items == [("asset-clip", "0s", "0s", "1001/1250s"), ("asset-clip", "1001/1250s", "1001/1250s", "3003/2500s"),
                     ("transition", "11011/6000s", None, "1001/3000s"),
                     ("asset-clip", "1001/500s", "1001/500s", "1001/1000s")]
    spine = list(seq.find("spine"))
    assert [el.get("name") for el in spine] == ["My film.mp4 shot 1", "My film.mp4 shot 2", "Cross Dissolve",
                                                 "My film.mp4 shot 3"]
    assert [el.findtext("note") for el in spine if el.tag == "asset-clip"] == [f"latentcut shot {n}" for n in (1, 2, 3)]
    assert [(f.tag, f.attrib) for f in spine[2]] == [("filter-video", {"ref": "r3", "name": "Cross Dissolve"}),
                                                      ("filter-audio", {"ref": "r4", "name": "Audio Crossfade"})]
    assert all(el.get("ref") == "r2" and el.get("format") == "r1" and el.get("tcFormat") == "NDF"
               for el in spine if el.tag == "asset-clip")


def test_fcpxml_without_sound_or_mixes_and_a_mono_track():
    root = _fcpxml(result([24], 48, fps=25.0), name="Cut & <print>")
    res = root.find("resources")
    assert [el.tag for el in res] == ["format", "asset"]  # no effects without a mix
    asset = res.find("asset")
    assert "hasAudio" not in asset.attrib and "audioChannels" not in asset.attrib
    assert res.find("format").get("frameDuration") == "1/25s"
    seq = root.find("library/event/project/sequence")
    assert "audioLayout" not in seq.attrib and root.find("library/event").get("name") == "Cut & <print>"
    assert [el.get("duration") for el in seq.find("spine")] == ["24/25s", "24/25s"]
    # a mix into the second shot is a mix (only the first shot's would have nothing to come from)
    two = _fcpxml(result([24], 48, gradual={24: (20, 27)}))
    assert [el.tag for el in two.find("resources")] == ["format", "asset", "effect"]
    assert [el.tag for el in two.find("library/event/project/sequence/spine")] == ["asset-clip", "transition",
                                                                                 "asset-clip"]
    mono = _fcpxml(result([24], 48, channels=1)).find("library/event/project/sequence")
    assert mono.get("audioLayout") == "mono"
    r = result([24], 48, channels=2)
    r.video.audio_rate = 44100
    assert _fcpxml(r).find("library/event/project/sequence").get("audioRate") == "44.1k"


@pytest.mark.parametrize("frames,rate,text", [(0, 24, "0s"), (48, 24, "2s"), (1, 24000 / 1001, "1001/24000s"),
                                              (30, 30000 / 1001, "1001/1000s"), (3, 25, "3/25s")])
def test_rational_seconds(frames, rate, text):
    from latentcut.exports.timeline import rational_seconds

    assert rational_seconds(frames, edit_rate(rate)) == text


def test_meeting_points():
    from latentcut.exports.timeline import meeting_points

    assert meeting_points([]) == [0]
    ev = [EditEvent(1, 0, 24, 0), EditEvent(2, 24, 55, 3), EditEvent(3, 55, 90, 10)]
    # the first event's mix, if any, has nothing before it to come from
    assert meeting_points(ev) == [0, 25, 60, 90]
    assert meeting_points([EditEvent(1, 0, 10, 4)]) == [0, 10]


def _write_csv(path, rows, fps):
    lines = ["Timecode List:," + ",".join(f"00:00:{a / fps:06.3f}" for a, _ in rows[1:]),
             "Scene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode,End Time (seconds),"
             "Length (frames),Length (timecode),Length (seconds)"]
    for n, (a, b) in enumerate(rows, 1):
        lines.append(f"{n},{a + 1},x,{a / fps:.3f},{b},x,{b / fps:.3f},{b - a},x,{(b - a) / fps:.3f}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _info(path="/v/film.mp4", fps=24.0, duration=10.0):
    from latentcut.io.video import VideoInfo

    return VideoInfo(path, 64, 48, 0, fps, duration, int(fps * duration), "h264")


def _doc(end, fps=24.0, video="film.mp4", start=(0, 0.0), number="shot", key="shots", **more):
    import json

    row = {number: 1, "start_frame": start[0], "end_frame": int(round(end * (fps or 24.0))),
           "start_time": start[1], "end_time": end}
    return json.dumps({"format": 3, "video": video, **({"fps": fps} if fps else {}), key: [row], **more})


def _load(file, **info):
    from latentcut.detection.cut_lists import load_shots

    return load_shots(str(file), _info(**info))


def test_cut_lists_from_a_scene_csv_and_json(tmp_path):
    shots = _load(_write_csv(tmp_path / "film-Scenes.csv", [(0, 24), (24, 240)], 24.0))
    assert [(s.number, s.start.frame, s.end.frame, s.start.seconds, s.end.seconds) for s in shots] == [
        (1, 0, 24, 0.0, 1.0), (2, 24, 240, 1.0, 10.0)]
    assert [(s.start.fps, s.end.fps) for s in shots] == [(24.0, 24.0)] * 2
    (tmp_path / "a.json").write_text(_doc(10.0, video="/elsewhere/film.mp4", start=(12, 0.5)))
    got = _load(tmp_path / "a.json")[0]  # moved, same name: fine
    assert (got.number, got.start, got.end) == (1, Timecode(12, 0.5), Timecode(240, 10.0))
    assert got.start.fps == got.end.fps == 24.0
    (tmp_path / "b.json").write_text(_doc(1.0, number="scene", key="scenes"))  # formats 1 and 2: "scenes"
    assert _load(tmp_path / "b.json")[0].end.frame == 24
    # format 3 holds scene groups under "scenes" too: its shots are "shots"
    (tmp_path / "c.json").write_text(_doc(1.0, scenes=[{"scene": 1, "shots": [1]}]))
    assert _load(tmp_path / "c.json")[0].end.frame == 24
    (tmp_path / "d.json").write_text(_doc(1.0, fps=None))  # no rate: nothing to compare, and none given
    assert _load(tmp_path / "d.json")[0].start.fps is None
    # a JSON's stated rate is trusted over its frames and times (a variable-rate video's drift)
    (tmp_path / "e.json").write_text(_doc(9.0, start=(60, 2.0)))
    assert _load(tmp_path / "e.json")[0].start.frame == 60
    # run.sh names its CSVs VIDEO.scenes.csv; an unnamed CSV may cover part of the video (a --start range)
    assert _load(_write_csv(tmp_path / "film.scenes.csv", [(0, 24), (24, 120)], 24.0))[-1].end.frame == 120
    assert _load(_write_csv(tmp_path / "part.csv", [(0, 24), (24, 120)], 24.0))[-1].end.frame == 120
    # scene numbers as written (a list of a range starts further on); a CSV without them counts from 1
    (tmp_path / "n.csv").write_text("Scene Number,Start Frame,Start Time (seconds),End Frame,End Time (seconds)\n"
                                    "5,49,2.0,72,3.0\n6,73,3.0,96,4.0\n")
    assert [s.number for s in _load(tmp_path / "n.csv")] == [5, 6]
    (tmp_path / "m.csv").write_text("Start Frame,Start Time (seconds),End Frame,End Time (seconds)\n1,0,24,1.0\n")
    assert [s.number for s in _load(tmp_path / "m.csv")] == [1]
    # a frame's grace at the end, and a rate within 0.01 fps
    (tmp_path / "g.json").write_text(_doc(10.0 + 1.4 / 24))
    assert _load(tmp_path / "g.json")
    (tmp_path / "h.json").write_text(_doc(5.0, fps=24.005))
    assert _load(tmp_path / "h.json")
    assert _load(tmp_path / "g.json", fps=0.0, duration=10.0 + 0.06)  # no rate: a 20 fps frame's grace


@pytest.mark.parametrize("case,says", [
    ("longer", "c.json: its shots run to 20.000 s but film.mp4 ends at 10.000 s; this cut list was made for another "
               "video"),
    ("just-longer", "c.json: its shots run to 10.067 s but film.mp4 ends at 10.000 s; this cut list was made for "
                    "another video"),
    ("longer-named", "c.json: made for other.mp4, its shots run to 20.000 s but film.mp4 ends at 10.000 s; this cut "
                     "list was made for another video"),
    ("rate", "c.json: made for a 30 fps video, but film.mp4 is 24 fps; this cut list was made for another video"),
    ("near-rate", "c.json: made for a 24.02 fps video, but film.mp4 is 24 fps; this cut list was made for another "
                  "video"),
    ("name", "c.json: made for other.mp4, not film.mp4 (it ends at 5.000 s, film.mp4 at 10.000 s)"),
    ("name-near", "c.json: made for other.mp4, not film.mp4 (it ends at 9.800 s, film.mp4 at 10.000 s)"),
    ("csv-rate", "x.csv: its frames and times are 30.000 fps, but film.mp4 is 24 fps; this cut list was made for "
                 "another video"),
    ("csv-name", "other-Scenes.csv: made for other.mp4, not film.mp4 (it ends at 5.000 s, film.mp4 at 10.000 s)"),
    ("empty", "c.json: holds no shots"), ("missing", "none.json: no such file"),
    ("junk", "c.json: not a `latentcut detect -o` file or a scene list CSV (JSONDecodeError: "),
    ("backwards", "y.csv: not a scene list CSV with frames and times (scene 1 ends before it starts)"),
    ("still", "y.csv: not a scene list CSV with frames and times (scene 1 ends before it starts)"),
    ("same-frame", "y.csv: not a scene list CSV with frames and times (scene 1 ends before it starts)"),
])
def test_cut_lists_made_for_another_video_are_refused(tmp_path, case, says):
    import json

    from latentcut.errors import LatentcutError

    path = tmp_path / "c.json"
    text = {"longer": _doc(20.0), "just-longer": _doc(10.0 + 1.6 / 24), "longer-named": _doc(20.0, video="/o/other.mp4"),
            "rate": _doc(5.0, fps=30.0), "near-rate": _doc(5.0, fps=24.02), "name": _doc(5.0, video="/a/other.mp4"),
            "name-near": _doc(9.8, video="/a/other.mp4"), "junk": "{",
            "empty": json.dumps({"format": 3, "video": "film.mp4", "fps": 24.0, "shots": []})}.get(case)
    if text is not None:
        path.write_text(text)
    elif case == "csv-rate":
        path = _write_csv(tmp_path / "x.csv", [(0, 30), (30, 60), (60, 240)], 30.0)
    elif case == "csv-name":
        path = _write_csv(tmp_path / "other-Scenes.csv", [(0, 24), (24, 120)], 24.0)
    elif case in ("backwards", "still", "same-frame"):
        a, ta, b, tb = {"backwards": (10, 0.4, 12, 0.2), "still": (10, 0.4, 12, 0.4), "same-frame": (10, 0.4, 9, 0.5)}[case]
        path = tmp_path / "y.csv"
        path.write_text(f"Scene Number,Start Frame,Start Time (seconds),End Frame,End Time (seconds)\n1,{a},{ta},{b},{tb}\n")
    elif case == "missing":
        path = tmp_path / "none.json"
    with pytest.raises(LatentcutError) as got:
        _load(path)
    assert str(got.value).startswith(f"--cuts {tmp_path / says.split(':')[0]}:{says.split(':', 1)[1]}"), str(got.value)
    # the same list fits the video it was made for
    if case in ("longer", "name"):
        assert _load(path, path="/a/other.mp4" if case == "name" else "/v/film.mp4",
                     duration=20.0 if case == "longer" else 5.0)


USUAL = [24000 / 1001, 24, 25, 30000 / 1001, 30, 48000 / 1001, 48, 50, 60000 / 1001, 60, 120000 / 1001, 120, 12, 15]


@pytest.mark.parametrize("rate", USUAL)
def test_a_rate_near_a_usual_one_is_that_one(rate):
    want = edit_rate(rate)
    assert abs(float(want) - rate) < 1e-9
    assert edit_rate(rate * 1.0004) == want and edit_rate(rate * 0.9996) == want  # nearer it than its neighbour
    if rate in (12, 15, 25, 50):  # no NTSC neighbour 0.1% away: the whole 0.5% is its own
        assert edit_rate(rate * 1.004) == want and edit_rate(rate * 0.996) == want
    assert edit_rate(rate * 1.0065) != want  # beyond 0.5%: not snapped


@pytest.mark.parametrize("fps,want", [(60.5, 120), (45.5, 91), (59.5, 119), (130.3, 130), (121.7, 122), (0.5, 1)])
def test_half_rates_double_below_120_and_fast_odd_rates_round(fps, want):
    assert edit_rate(fps) == want


def test_write_fcpxml_writes_the_text(tmp_path):
    from latentcut.exports.fcpxml import fcpxml_text, write_fcpxml

    r = result([24], 48)
    write_fcpxml(r, str(tmp_path / "a.fcpxml"), name="Named")
    text = (tmp_path / "a.fcpxml").read_text(encoding="utf-8")
    assert text == fcpxml_text(r, "Named") and '<event name="Named">' in text
    assert "\n    <resources>\n        <format " in text  # indented four spaces a level
