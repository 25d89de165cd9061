"""Exports editors and viewers use, each read back: EDL, OTIO, FCPXML, split-video, save-images,
the HTML report (loaded in headless Chromium), and the JSON document against its schema."""
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import av
import numpy as np
import pytest
from conftest import clip, colour_frames, needs_shared, write_video

import latentcut
from latentcut.cli import main
from latentcut.exports.edl import edl_text
from latentcut.exports.timeline import edit_events, edit_rate, frames_to_smpte
from latentcut.synthetic.demo import make_demo_clip

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The project's own clip: cuts at 48 and 84, a dissolve over 132-143, a flash, a pan."""
    d = tmp_path_factory.mktemp("demo")
    path = str(d / "demo clip é.mp4")
    labels = make_demo_clip(path)
    return path, labels, latentcut.detect(path)


def test_demo_detection_is_what_the_exports_are_checked_against(demo):
    _, labels, r = demo
    assert [c.frame.frame for c in r.cuts if not c.is_gradual] == labels["cuts"] == [48, 132, 162, 202]
    g = [c for c in r.cuts if c.is_gradual]
    assert len(g) == 1 and g[0].start.frame <= 72 and g[0].end.frame == 84


def test_edit_events_are_gapless_and_carry_the_dissolve(demo):
    _, _, r = demo
    ev = edit_events(r)
    assert [e.number for e in ev] == [s.number for s in r.shots]
    assert ev[0].record_in == 0 and ev[-1].record_out == round(r.video_end * 24)
    assert all(a.record_out == b.record_in for a, b in zip(ev, ev[1:]))
    mixes = [e for e in ev if e.transition]
    cut = next(c for c in r.cuts if c.is_gradual)
    assert len(mixes) == 1 and mixes[0].record_in == cut.start.frame and mixes[0].transition == cut.end.frame - cut.start.frame


@pytest.mark.parametrize("fps,rate", [(24.0, 24), (23.976, 24000 / 1001), (29.97002997, 30000 / 1001), (25.0, 25),
                                      (59.94, 60000 / 1001), (12.5, 25), (0.0, 25)])
def test_edit_rates(fps, rate):
    assert float(edit_rate(fps)) == pytest.approx(rate)


def test_smpte_timecodes():
    assert frames_to_smpte(0, edit_rate(24)) == "00:00:00:00"
    assert frames_to_smpte(24 * 3661 + 5, edit_rate(24)) == "01:01:01:05"
    assert frames_to_smpte(29, edit_rate(29.97)) == "00:00:00:29" and frames_to_smpte(30, edit_rate(29.97)) == "00:00:01:00"


def test_edl_reads_back_through_otio_cmx3600(demo, tmp_path):
    import opentimelineio as otio

    path, _, r = demo
    text = edl_text(r)
    assert text.splitlines()[:2] == ["TITLE: demo clip é", "FCM: NON-DROP FRAME"]
    f = tmp_path / "d.edl"
    assert main(["detect", path, "-q", "--edl", str(f)]) == 0
    assert f.read_bytes().count(b"\r\n") == len(text.splitlines())  # CMX 3600 lines end CRLF
    tl = otio.adapters.read_from_file(str(f))
    items = list(tl.tracks[0])
    clips = [i for i in items if isinstance(i, otio.schema.Clip)]
    mixes = [i for i in items if isinstance(i, otio.schema.Transition)]
    assert len(clips) == len(r.shots) and len(mixes) == 1
    ev = edit_events(r)
    total = sum(c.source_range.duration.to_frames() for c in clips)
    assert total == ev[-1].record_out
    cut = next(c for c in r.cuts if c.is_gradual)
    assert mixes[0].out_offset.to_frames() == cut.mixed_frames
    assert all(c.name == "demo clip é.mp4" for c in clips)


def test_otio_timeline_reads_back_with_its_dissolve(demo, tmp_path):
    import opentimelineio as otio

    path, _, r = demo
    f = tmp_path / "d.otio"
    assert main(["detect", path, "-q", "--otio", str(f)]) == 0
    tl = otio.adapters.read_from_file(str(f))
    track = tl.tracks[0]
    clips = [i for i in track if isinstance(i, otio.schema.Clip)]
    assert [c.metadata["latentcut"]["shot"] for c in clips] == [s.number for s in r.shots]
    assert tl.duration().to_frames() == round(r.video_end * 24)
    assert clips[1].source_range.start_time.to_frames() == r.shots[1].start.frame == 48
    mix = next(i for i in track if isinstance(i, otio.schema.Transition))
    cut = next(c for c in r.cuts if c.is_gradual)
    assert mix.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
    assert (mix.in_offset + mix.out_offset).to_frames() == cut.mixed_frames
    assert clips[0].media_reference.target_url.startswith("file://") and "demo%20clip" in clips[0].media_reference.target_url


def test_fcpxml_reads_back_and_holds_the_transition(demo, tmp_path):
    import opentimelineio as otio

    path, _, r = demo
    f = tmp_path / "d.fcpxml"
    assert main(["detect", path, "-q", "--fcpxml", str(f)]) == 0
    text = f.read_text()
    tl = next(iter(otio.adapters.read_from_string(text, "fcpx_xml").find_children(
        descended_from_type=otio.schema.Timeline)))
    clips = [i for i in tl.tracks[0] if isinstance(i, otio.schema.Clip)]
    assert [c.source_range.duration.to_frames() for c in clips] == [s.length_frames for s in r.shots]
    spine = ET.fromstring(text).find("./library/event/project/sequence/spine")
    kinds = [el.tag for el in spine]
    t = kinds.index("transition")
    assert kinds.count("transition") == 1 and kinds[t - 1] == kinds[t + 1] == "asset-clip"
    cut = next(c for c in r.cuts if c.is_gradual)
    el = spine[t]
    from fractions import Fraction

    sec = lambda v: Fraction(v.rstrip("s"))  # noqa: E731
    assert sec(el.get("duration")) * 24 == cut.end.frame - cut.start.frame
    assert sec(el.get("offset")) * 24 == cut.start.frame


def test_json_matches_its_schema_and_eval_reads_formats_1_to_3(demo, tmp_path, capsys):
    import jsonschema

    path, labels, _ = demo
    out = tmp_path / "d.json"
    assert main(["detect", path, "-q", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, schema)
    assert doc["format"] == 3 and "scenes" not in doc and doc["shots"][0]["shot"] == 1
    g = next(c for c in doc["cuts"] if c["kind"] == "gradual")
    assert g["end"] == next(c for c in latentcut.detect(path).cuts if c.is_gradual).end.frame
    assert g["end_time"] == pytest.approx(g["end"] / 24, abs=1e-6)
    # every end is exclusive: the shots' too
    assert [s["end_frame"] for s in doc["shots"][:-1]] == [s["start_frame"] for s in doc["shots"][1:]]
    bad = dict(doc, cuts=[dict(doc["cuts"][0], kind="wipe")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    lab = tmp_path / "labels.json"
    lab.write_text(json.dumps({"clips": [dict(labels, path=os.path.basename(path))]}))
    assert main(["eval", str(out), str(lab), "--json"]) == 0
    rows = {r["tolerance"]: r for r in json.loads(capsys.readouterr().out)["results"]}
    assert rows[2]["fn"] == 0 and rows[2]["fp"] == 0 and rows[0]["tp"] >= 4
    # the files of 0.1: format 2 (shots under "scenes") and format 1 (no field; a transition ends at its last frame)
    shots = [{"scene": s.pop("shot"), **s} for s in doc.pop("shots")]
    two = dict(doc, format=2, scenes=shots)
    one = {k: v for k, v in dict(two, cuts=[dict(c, end=c["end"] - 1) if "end" in c else c for c in doc["cuts"]]).items()
           if k != "format"}
    for n, old in ((2, two), (1, one)):
        f = tmp_path / f"format{n}.json"
        f.write_text(json.dumps(old))
        assert main(["eval", str(f), str(lab), "--json"]) == 0
        assert {r["tolerance"]: r for r in json.loads(capsys.readouterr().out)["results"]} == rows
    # format 1 (no field) meant an inclusive end: the same transition reads the same
    old = dict(doc, cuts=[dict(c, end=c["end"] - 1) if c["kind"] == "gradual" else c for c in doc["cuts"]])
    del old["format"]
    from latentcut.evaluation import predictions_from_json

    assert predictions_from_json(old) == predictions_from_json(doc)


@pytest.fixture(scope="module")
def gop_video(tmp_path_factory):
    """Three 24-frame shots, MPEG-4 with a keyframe every 12 frames: cuts at 24 and 48 fall on keyframes."""
    d = tmp_path_factory.mktemp("gop")
    return write_video(d / "three shots.mp4", colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 24))


def _frames(path):
    with av.open(path) as c:
        return sum(1 for _ in c.decode(video=0))


def test_split_video_stream_copy_cuts_at_keyframes(gop_video, tmp_path, capsys):
    out = tmp_path / "shots"
    assert main(["split-video", gop_video, "-o", str(out), "--copy"]) == 0
    names = sorted(f for f in os.listdir(out) if not f.startswith("."))
    assert names == ["three shots-Shot-001.mp4", "three shots-Shot-002.mp4", "three shots-Shot-003.mp4"]
    assert [_frames(str(out / n)) for n in names] == [24, 24, 24]
    assert "stream copy" in capsys.readouterr().out
    # a second run replaces latentcut's own files, never one the user changed or put there
    assert main(["split-video", gop_video, "-o", str(out), "-q"]) == 0
    (out / names[1]).write_bytes(b"edited by the user")
    assert main(["split-video", gop_video, "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and (out / names[1]).read_bytes() == b"edited by the user"
    assert main(["split-video", gop_video, "-o", str(out), "--overwrite", "-q"]) == 0


def test_split_video_joins_a_shot_without_a_keyframe(tmp_path):
    from latentcut.exports.split import split_video

    v = write_video(tmp_path / "v.mp4", colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 30))
    r = latentcut.detect(v)
    assert r.cut_frames == [30, 60]
    files = split_video(v, r.shots, str(tmp_path / "o"), copy=True)
    # keyframes every 12 frames: 36 and 60 start files; shot 2 (30-59) starts at 36 in the copy
    assert [f.shots for f in files] == [[1], [2], [3]]
    assert [_frames(f.path) for f in files] == [36, 24, 30]
    assert files[1].start == pytest.approx(1.5)


def test_split_video_is_frame_exact_by_default_with_templates(gop_video, tmp_path):
    out = tmp_path / "p"
    assert main(["split-video", gop_video, "-o", str(out), "-q", "--template", "$START_FRAME-$VIDEO_NAME"]) == 0
    assert sorted(f for f in os.listdir(out) if not f.startswith(".")) == ["0-three shots.mp4", "24-three shots.mp4", "48-three shots.mp4"]
    for n in [f for f in os.listdir(out) if not f.startswith(".")]:
        assert _frames(str(out / n)) == 24
    with av.open(str(out / "24-three shots.mp4")) as c:
        first = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert first[..., 1].mean() > first[..., 0].mean() + 40  # shot 2 is the green one


@needs_shared
def test_split_video_keeps_the_audio(tmp_path):
    from latentcut.exports.split import split_video

    v = clip("anime-onepiece-crew.mp4")
    r = latentcut.detect(v, start_time=1.0, end_time=5.0)
    for copy in (True, False):
        files = split_video(v, r.shots, str(tmp_path / str(copy)), copy=copy)
        if not copy:
            assert [f.frames for f in files] == [s.length_frames for s in r.shots]
        else:  # a copy cuts at keyframes, so it holds at least the range, from a keyframe to one
            assert sum(f.frames for f in files) >= r.shots[-1].end.frame - r.shots[0].start.frame
            assert files[-1].end >= r.shots[-1].end.seconds - 0.05
        for f in files:
            with av.open(f.path) as c:
                assert c.streams.audio, f.path
                audio = sum(fr.samples for fr in c.decode(audio=0)) / c.streams.audio[0].rate
            assert audio == pytest.approx(f.end - f.start, abs=0.1)


@pytest.mark.parametrize("template,message", [
    ("$VIDEO_NAME", "must tell shots apart"), ("$SHOT_NUM", "unknown field $SHOT_NUM"), ("a/$SHOT_NUMBER", "no folder"),
    ("$", "starts no field")])
def test_bad_templates_are_one_line(gop_video, tmp_path, template, message, capsys):
    assert main(["split-video", gop_video, "-o", str(tmp_path), "--template", template]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and not os.listdir(tmp_path)


def test_split_never_writes_over_its_input(gop_video, tmp_path, capsys):
    v = tmp_path / "x-Shot-001.mp4"
    shutil.copy(gop_video, v)
    before = v.read_bytes()
    assert main(["split-video", str(v), "-o", str(tmp_path), "--template", "x-Shot-$SHOT_NUMBER", "--overwrite"]) == 2
    assert "never writes over an input" in capsys.readouterr().err and v.read_bytes() == before


def test_save_images(gop_video, tmp_path):
    from PIL import Image

    from latentcut.exports.images import image_frames, output_size

    out = tmp_path / "img"
    assert main(["save-images", gop_video, "-o", str(out), "-q"]) == 0
    names = sorted(f for f in os.listdir(out) if not f.startswith("."))
    assert len(names) == 9 and names[0] == "three shots-Shot-001-01.jpg"
    assert Image.open(out / names[0]).size == (64, 48)
    assert main(["save-images", gop_video, "-o", str(tmp_path / "p"), "-n", "1", "--format", "png", "--width", "32", "-q"]) == 0
    pngs = sorted(f for f in os.listdir(tmp_path / "p") if not f.startswith("."))
    assert len(pngs) == 3 and Image.open(tmp_path / "p" / pngs[1]).size == (32, 24)
    green = np.asarray(Image.open(tmp_path / "p" / pngs[1]).convert("RGB"), float)
    assert green[..., 1].mean() > green[..., 0].mean() + 40
    shot = latentcut.detect(gop_video).shots[1]
    assert image_frames(shot, 3) == [25, 36, 46] and image_frames(shot, 1) == [35]
    assert image_frames(type(shot)(9, type(shot.start)(10, 0.0), type(shot.start)(12, 0.1)), 3) == [10, 10, 11]
    assert output_size((1920, 1080), scale=0.5) == (540, 960) and output_size((1920, 1080), height=360) == (360, 640)


def _chromium(url, tmp_path, shot=None, size="1300,2000"):
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
            f"--window-size={size}"]
    args += [f"--screenshot={shot}"] if shot else ["--dump-dom"]
    return subprocess.run(args + [url], capture_output=True, text=True, timeout=120)


needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                    reason="headless Chromium (Debian's chromium) is not installed")


@needs_chromium
@pytest.mark.parametrize("assets", [False, True])
def test_html_report_loads_in_chromium_and_shows_the_thumbnails(demo, tmp_path, assets):
    from PIL import Image

    path, _, r = demo
    page = tmp_path / "report.html"
    extra = ["--html-assets", str(tmp_path / "report files")] if assets else []
    assert main(["detect", path, "-q", "--html", str(page), *extra]) == 0
    if assets:
        assert len([f for f in os.listdir(tmp_path / "report files") if not f.startswith(".")]) == 3 * len(r.shots) + 2
    dom = _chromium(page.as_uri(), tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [ln for ln in dom.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln or "Failed to load" in ln]
    assert not console, console
    assert dom.stdout.count('<tr id="shot-') == len(r.shots)
    assert f'demo%20clip%20%C3%A9.mp4#t={r.shots[1].start.seconds:.3f}"' in dom.stdout
    png = tmp_path / "report.png"
    _chromium(page.as_uri(), tmp_path, shot=png)
    img = np.asarray(Image.open(png).convert("RGB"), float)
    # the thumbnails column of the first rows holds the demo's coloured cel shots, not blank page
    rows = img[300:700, 50:560]
    not_page = (np.abs(rows - 250).max(axis=2) > 40).mean()  # pixels that are neither white nor near it
    assert rows.std() > 30 and not_page > 0.4
    keep = os.environ.get("LATENTCUT_SCREENSHOT")
    if keep and not assets:
        shutil.copy(png, keep)


def test_report_marks_a_truncated_video_and_escapes_names(tmp_path):
    from latentcut.exports.report import render

    v = write_video(tmp_path / "<b>&.mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 12))
    r = latentcut.detect(v)
    r.truncated = True
    src = {f"shot-{s.number:05d}-{k}.jpg": "x.jpg" for s in r.shots for k in (1, 2, 3)}
    src["curve.png"] = "c.png"
    text = render(r, src, str(tmp_path))
    assert "&lt;b&gt;&amp;.mp4" in text and "<b>&" not in text and "truncated video" in text
    assert "map of the frames" not in text  # no embeddings kept, no map


def test_split_video_makes_one_file_per_shot_by_default_and_copy_says_what_it_merges(tmp_path, capsys):
    """PySceneDetect's default: every shot its own file, whatever the keyframes; --copy joins the
    shots a keyframe does not separate and says so."""
    # 8-frame shots; the writer puts a keyframe every 12 frames (0, 12, 24): shot 3 (16-23) has none
    v = write_video(tmp_path / "v.mp4", colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40)], 8))
    assert main(["split-video", v, "-o", str(tmp_path / "a"), "--min-shot-len", "2"]) == 0
    out = capsys.readouterr().out
    assert "4 shots -> 4 files" in out and "re-encoded" in out
    assert [_frames(str(tmp_path / "a" / f"v-Shot-00{k}.mp4")) for k in range(1, 5)] == [8, 8, 8, 8]
    assert main(["split-video", v, "-o", str(tmp_path / "b"), "--min-shot-len", "2", "--copy"]) == 0
    out = capsys.readouterr().out
    assert "4 shots -> 3 files" in out and "1 shot with no keyframe of its own joined" in out
    assert "shots 2-3 share this file" in out


def test_detect_writes_split_files_and_stills_in_the_same_run(gop_video, tmp_path, capsys):
    csv_, shots, stills = tmp_path / "s.csv", tmp_path / "shots", tmp_path / "stills"
    assert main(["detect", gop_video, "--csv", str(csv_), "--split-video", str(shots), "--save-images", str(stills),
                 "-n", "1", "--image-format", "png"]) == 0
    out = capsys.readouterr().out
    assert "3 shots -> 3 files" in out and "3 images of 3 shots" in out
    assert sorted(os.listdir(shots))[-3:] == [f"three shots-Shot-00{k}.mp4" for k in (1, 2, 3)]
    assert sorted(f for f in os.listdir(stills) if f.endswith(".png")) == [
        f"three shots-Shot-00{k}-01.png" for k in (1, 2, 3)]
    assert [_frames(str(shots / f"three shots-Shot-00{k}.mp4")) for k in (1, 2, 3)] == [24, 24, 24]


def test_pyscenedetect_command_line_runs_as_one_detect(gop_video, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["-i", gop_video, "-o", str(out), "-m", "0.5s", "detect-adaptive", "-t", "3", "list-scenes",
                 "split-video", "save-images", "-q", "80", "-n", "2"]) == 0
    err = capsys.readouterr().err
    assert "run as: latentcut detect" in err and "--save-images" in err and "--quality 80" in err
    names = sorted(os.listdir(out))
    assert "three shots-Scenes.csv" in names and "three shots-Scene-002.mp4" in names
    assert "three shots-Scene-003-02.jpg" in names and len([n for n in names if n.endswith(".jpg")]) == 6
    from latentcut.evaluation.scene_csv import scene_rows

    assert [r["Start Frame"] for r in scene_rows(out / "three shots-Scenes.csv")] == ["1", "25", "49"]


@pytest.mark.parametrize("argv,hint", [
    (["detect", "{v}", "--threshold", "27"], "PySceneDetect's --threshold: latentcut fits its threshold"),
    (["detect", "{v}", "--thresold", "x"], "did you mean --thresholder?"),
    (["save-images", "{v}", "-f", "x"], "PySceneDetect's -f"),
    (["detect-adaptive"], "needs -i VIDEO"),
    (["detet", "{v}"], "did you mean detect?"),
    (["-i", "{v}", "detect-content", "save-qp"], "save-qp has no latentcut equivalent"),
])
def test_pyscenedetect_spellings_get_an_answer(gop_video, tmp_path, argv, hint, capsys):
    assert main([a.format(v=gop_video) for a in argv]) == 2
    err = capsys.readouterr().err
    assert hint in err and err.count("\n") == 1 and err.startswith("latentcut: error: ")


def test_min_scene_len_is_min_shot_len(gop_video):
    from latentcut.cli import _parse

    assert _parse(["detect", gop_video, "--min-scene-len", "12"]).min_shot_len == "12"
    assert _parse(["detect", gop_video, "-m", "0.5s"]).min_shot_len == "0.5s"


def test_cuts_takes_a_scene_csv_and_refuses_another_videos_list(gop_video, tmp_path, capsys):
    from latentcut.exports.tables import write_json

    csv_ = tmp_path / "s.csv"
    assert main(["detect", gop_video, "-q", "--csv", str(csv_)]) == 0
    assert main(["save-images", gop_video, "--cuts", str(csv_), "-o", str(tmp_path / "i"), "-n", "1"]) == 0
    assert "3 images of 3 shots" in capsys.readouterr().out
    # another video's cut lists: longer (they run past this video's end), or shorter and named for it
    other = write_video(tmp_path / "other.mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 150))
    r = latentcut.detect(other)
    write_json(r, str(tmp_path / "other.json"))
    from latentcut.exports.tables import write_shots_csv

    write_shots_csv(r, str(tmp_path / "other-Scenes.csv"))
    assert main(["detect", gop_video, "-q", "-o", str(tmp_path / "gop.json"), "--csv",
                 str(tmp_path / "three shots-Scenes.csv")]) == 0
    for target, cuts, says in ((gop_video, "other.json", "made for another video"),
                               (gop_video, "other-Scenes.csv", "made for another video"),
                               (other, "gop.json", "made for three shots.mp4, not other.mp4"),
                               (other, "three shots-Scenes.csv", "made for three shots.mp4, not other.mp4")):
        assert main(["save-images", target, "--cuts", str(tmp_path / cuts), "-o", str(tmp_path / "j")]) == 2
        err = capsys.readouterr().err
        assert says in err and err.count("\n") == 1, err
    assert not os.path.exists(tmp_path / "j")
