"""What a PySceneDetect user reaches for: several inputs, time ranges, short-shot options, a config
file, -q/-v everywhere, defaults and examples in --help, shell completion, the callback and the
SceneManager adapter; and the pictures: hits/misses/false alarms, shot legends, poster captions."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import colour_frames, write_video

import latentcut
from latentcut.cli import build_parser, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("videos")
    write_video(d / "a.mp4", colour_frames(COLOURS, 24))
    write_video(d / "b.mp4", colour_frames(COLOURS[:2], 24, seed=3))
    (d / "notes.txt").write_text("not a video")
    return d


def _cuts(path):
    return [c["frame"] for c in json.loads(open(path).read())["cuts"]]


def test_a_folder_and_a_glob_give_an_output_each(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["detect", str(folder), "-o", f"{out}/$VIDEO_NAME.json", "--csv", f"{out}/", "-q"]) == 0
    assert sorted(os.listdir(out)) == ["a.json", "a.scenes.csv", "b.json", "b.scenes.csv"]
    assert _cuts(out / "a.json") == [24, 48] and _cuts(out / "b.json") == [24]
    assert main(["detect", str(folder / "*.mp4"), str(folder / "a.mp4"), "-o", f"{tmp_path}/g-$VIDEO_NAME.json"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("boundar") == 2  # a.mp4 named twice is still one video
    assert _cuts(tmp_path / "g-b.json") == [24]


@pytest.mark.parametrize("args,message", [
    (["-o", "x.json"], "several videos need a name each; put $VIDEO_NAME in it"),
    (["-o", "-"], "several videos cannot share standard output"),
    (["-o", "$VIDEO_NAME-$SHOT.json"], "only $VIDEO_NAME can be filled in here"),
])
def test_several_videos_need_several_names(folder, tmp_path, args, message, capsys):
    assert main(["detect", str(folder), *[a.replace("x.json", str(tmp_path / "x.json")) for a in args]]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not os.path.exists(tmp_path / "x.json")


def test_empty_folder_and_unmatched_glob_are_one_line(tmp_path, capsys):
    assert main(["detect", str(tmp_path)]) == 2
    assert "a folder with no video in it" in capsys.readouterr().err
    assert main(["detect", str(tmp_path / "*.mkv")]) == 2
    assert "no file matches this pattern" in capsys.readouterr().err


def test_start_end_and_duration(folder, tmp_path):
    v = str(folder / "a.mp4")
    out = tmp_path / "r.json"
    assert main(["detect", v, "-q", "-o", str(out), "--start", "0.5", "--end", "00:00:02.5"]) == 0
    doc = json.loads(out.read_text())
    assert [c["frame"] for c in doc["cuts"]] == [24, 48]
    assert doc["shots"][0]["start_frame"] == 12 and doc["shots"][-1]["end_frame"] == 60
    assert doc["range"] == {"start": 0.5, "end": 2.5}
    assert main(["detect", v, "-q", "-o", str(out), "--start", "30", "--duration", "1s"]) == 0  # frames, then seconds
    doc = json.loads(out.read_text())
    assert [c["frame"] for c in doc["cuts"]] == [48] and doc["shots"][0]["start_frame"] == 30
    assert doc["shots"][-1]["end_frame"] == 54
    r = latentcut.detect(v, start_time=1.5)
    assert r.cut_frames == [48] and r.shots[0].start.frame == 36 and r.shots[-1].end.frame == 72


@pytest.mark.parametrize("args,message", [
    (["--start", "abc"], "argument --start: expected"),
    (["--end", "1", "--duration", "2"], "not allowed with argument"),
    (["--start", "10s"], "no frame in the range 10 s - end"),
    (["--start", "2s", "--end", "1s"], "the range ends (1 s) before it starts (2 s)"),
])
def test_bad_ranges_are_one_line(folder, args, message, capsys):
    assert main(["detect", str(folder / "a.mp4"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_merge_last_and_drop_short(tmp_path):
    frames = colour_frames(COLOURS, 24)[:53]  # the last shot has 5 frames, under 0.3 s (the default 0.1 s is 2.4)
    v = write_video(tmp_path / "short.mp4", frames)
    plain = latentcut.detect(v)
    assert plain.cut_frames == [24, 48] and plain.shots[-1].length_frames == 5
    assert latentcut.detect(v, merge_last=True).shots == plain.shots  # 5 frames: long enough at 0.1 s
    merged = latentcut.detect(v, merge_last=True, thresholder="adaptive,min_shot_len=0.3s")
    assert [(s.start.frame, s.end.frame) for s in merged.shots] == [(0, 24), (24, 53)]
    assert merged.cut_frames == [24, 48]  # the boundary is still reported; the shot list changes
    dropped = latentcut.detect(v, drop_short=True, thresholder="adaptive,min_shot_len=0.3s")
    assert [(s.start.frame, s.end.frame) for s in dropped.shots] == [(0, 24), (24, 48)]
    out = tmp_path / "m.csv"
    assert main(["detect", v, "-q", "--csv", str(out), "--merge-last", "--min-shot-len", "6"]) == 0
    assert out.read_text().count("\n") == 4  # timecode list, header, 2 shots
    assert main(["detect", v, "-q", "--csv", str(out), "--merge-last", "--min-shot-len", "5"]) == 0
    assert out.read_text().count("\n") == 5  # 5 frames is long enough: 3 shots


def test_config_file_sets_defaults_the_command_line_overrides(folder, tmp_path, capsys):
    cfg = tmp_path / "latentcut.toml"
    cfg.write_text('[detect]\nthresholder = "top-n,n=1"\nno-gradual = true\noutput = "%s/$VIDEO_NAME.json"\n' % tmp_path)
    v = str(folder / "a.mp4")
    assert main(["--config", str(cfg), "detect", v, "-q"]) == 0
    doc = json.loads((tmp_path / "a.json").read_text())
    assert len(doc["cuts"]) == 1 and doc["settings"]["gradual"] is False
    assert main(["detect", v, "-q", "--config", str(cfg), "--thresholder", "adaptive"]) == 0
    assert len(json.loads((tmp_path / "a.json").read_text())["cuts"]) == 2
    os.environ["LATENTCUT_CONFIG"] = str(cfg)
    try:
        assert main(["detect", v, "-q", "--n", "2"]) == 0
    finally:
        del os.environ["LATENTCUT_CONFIG"]
    assert len(json.loads((tmp_path / "a.json").read_text())["cuts"]) == 2


@pytest.mark.parametrize("text,message", [
    ("[detect]\nnope = 1\n", "[detect] has no option --nope"),
    ("[detect]\nstride = 0\n", "[detect] stride: must be >= 1"),
    ("[detect]\nno-gradual = 'yes'\n", "must be true or false"),
    ("[detcet]\nstride = 2\n", "[detcet] is not a latentcut command"),
    ("[detect\n", "not a valid TOML config file"),
    ("[map]\nmethod = 'tsne'\n", "must be one of pca, umap, autoencoder"),
])
def test_a_bad_config_file_is_one_line_naming_it(folder, tmp_path, text, message, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    assert main(["--config", str(cfg), "detect", str(folder / "a.mp4")]) == 2
    err = capsys.readouterr().err
    assert message in err and str(cfg) in err and err.count("\n") == 1


def test_every_command_takes_quiet_and_verbose_and_shows_defaults_and_examples():
    parser = build_parser()
    subs = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert {"detect", "split-video", "save-images", "completion", "schema"} <= set(subs)
    for name, sp in subs.items():
        opts = {s for a in sp._actions for s in a.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= opts, name
        text = sp.format_help()
        if name not in ("completion", "schema"):
            assert "examples:" in text, name
    detect_help = " ".join(subs["detect"].format_help().split())
    assert "(default: 0.5)" in detect_help and "--start TIME" in detect_help and "$VIDEO_NAME" in detect_help


def test_quiet_prints_nothing_and_verbose_says_more(folder, capsys):
    v = str(folder / "a.mp4")
    for cmd in (["detect", v], ["plugins"], ["schema"], ["eval", "/nonexistent.json", "/nonexistent.json"]):
        code = main([*cmd, "-q"])
        out = capsys.readouterr()
        assert out.out == "" and (code == 0 or out.err.startswith("latentcut: error:")), cmd
    assert main(["detect", v, "-v"]) == 0
    assert "settings: {'encoder': 'pixel'" in capsys.readouterr().out
    assert main(["plugins", "-v"]) == 0
    assert "probabilistic=" in capsys.readouterr().out


def _complete(words: list[str], tmp_path) -> list[str]:
    script = tmp_path / "complete.bash"
    r = subprocess.run([sys.executable, "-m", "latentcut.cli", "completion", "bash"], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=ROOT), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    script.write_text(r.stdout)
    line = " ".join(f"'{w}'" for w in words)
    probe = f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _latentcut; printf "%s\\n" "${{COMPREPLY[@]}}"'
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_bash_completion_knows_commands_options_choices_and_plugins(tmp_path):
    (tmp_path / "film.mp4").write_bytes(b"")
    assert "detect" in _complete(["latentcut", "de"], tmp_path)
    assert {"split-video", "save-images"} <= set(_complete(["latentcut", "s"], tmp_path))
    assert "--encoder" in _complete(["latentcut", "detect", "--enc"], tmp_path)
    assert _complete(["latentcut", "detect", "--encoder", "pi"], tmp_path) == ["pixel"]
    assert set(_complete(["latentcut", "map", "--method", ""], tmp_path)) == {"umap", "pca", "autoencoder"}
    assert _complete(["latentcut", "detect", "fi"], tmp_path) == ["film.mp4"]
    assert {"add", "query"} <= set(_complete(["latentcut", "index", ""], tmp_path))
    zsh = subprocess.run([sys.executable, "-m", "latentcut.cli", "completion", "zsh"], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=ROOT))
    assert zsh.stdout.startswith("autoload -U +X bashcompinit && bashcompinit")


def test_callback_sees_each_new_shot_in_order(folder):
    got = []
    r = latentcut.detect(str(folder / "a.mp4"), callback=lambda image, tc: got.append((image, tc)))
    assert [int(tc) for _, tc in got] == [24, 48] and [tc.get_seconds() for _, tc in got] == [1.0, 2.0]
    assert got[0][0].shape == (48, 64, 3)
    assert got[0][0][..., 1].mean() > got[0][0][..., 0].mean() + 40  # the first frame of the green shot
    assert r.cut_frames == [24, 48]


def test_scenemanager_adapter_matches_detect(folder):
    from scenedetect import SceneManager, open_video

    from latentcut.detection.scenemanager import LatentcutDetector

    v = str(folder / "a.mp4")
    manager = SceneManager()
    det = LatentcutDetector(thresholder="adaptive")
    manager.add_detector(det)
    manager.detect_scenes(open_video(v))
    scenes = manager.get_scene_list()
    assert [(a.frame_num, b.frame_num) for a, b in scenes] == [(0, 24), (24, 48), (48, 72)]
    assert det.result_.cut_frames == latentcut.detect(v).cut_frames == [24, 48]
    # a second video through the same detector starts afresh
    manager2 = SceneManager()
    manager2.add_detector(det)
    manager2.detect_scenes(open_video(str(folder / "b.mp4")))
    assert [a.frame_num for a, _ in manager2.get_scene_list()] == [0, 24]


def test_timecode_converts_to_pyscenedetect():
    from scenedetect import FrameTimecode

    tc = latentcut.Timecode(48, 2.0, 24.0)
    ft = tc.to_frame_timecode()
    assert isinstance(ft, FrameTimecode) and ft.frame_num == 48 and ft.seconds == pytest.approx(2.0)


def test_plot_classifies_hits_false_alarms_and_misses(folder, tmp_path):
    from latentcut.evaluation.labels import ClipLabels, Interval
    from latentcut.scoring.plot import FALSE_ALARM, FOUND, HIT, MISS, classify, draw_curve

    r = latentcut.detect(str(folder / "a.mp4"))
    labels = ClipLabels(path="a.mp4", boundaries=[Interval(25, 25), Interval(60, 60)], uncertain=[])
    hit, false, miss = classify(r, labels)
    assert (hit, false, miss) == ([0], [1], [1])
    labels.uncertain = [49]
    assert classify(r, labels) == ([0], [], [1])  # near an uncertain frame: no false alarm
    fig = draw_curve(r, labels)
    colours = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert colours == {"24": HIT, "48": FOUND, "60": MISS}  # 48: near an uncertain frame, neither
    fig = draw_curve(r, ClipLabels(path="a.mp4", boundaries=[Interval(25, 25), Interval(60, 60)], uncertain=[]))
    assert {t.get_text(): t.get_color() for t in fig.axes[0].texts} == {"24": HIT, "48": FALSE_ALARM, "60": MISS}
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "hit (1)" in legend and "false alarm (1)" in legend and "miss (1)" in legend
    assert len({HIT, FALSE_ALARM, MISS, FOUND}) == 4


def test_map_has_a_legend_entry_per_shot_and_a_colour_bar_for_many():
    from latentcut.maps.render import LEGEND_SHOTS, draw_map_figure

    rng = np.random.default_rng(0)
    coords = rng.normal(size=(60, 2))
    fig = draw_map_figure(coords, np.repeat(np.arange(1, 6), 12), "shot")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["shot 1", "shot 2", "shot 3", "shot 4", "shot 5", "start", "end"]
    many = np.arange(1, 61)
    fig = draw_map_figure(coords, many, "shot")
    assert len(fig.axes) == 2 and LEGEND_SHOTS < 60  # a colour bar beside the map
    ticks = fig.axes[1].get_yticks()
    assert np.allclose(ticks, np.round(ticks)) and ticks.min() >= 1 and ticks.max() <= 60


def test_poster_prints_each_tiles_timecode(tmp_path):
    from PIL import Image

    from latentcut.maps.render import poster

    coords = np.array([[0.0, 0.0], [1.0, 1.0]])
    thumbs = np.full((2, 40, 80, 3), 128, np.uint8)
    poster(coords, thumbs, str(tmp_path / "a.png"), size=(160, 40))
    poster(coords, thumbs, str(tmp_path / "b.png"), size=(160, 40), captions=["00:00:01.000", "00:00:02.500"])
    a = np.asarray(Image.open(tmp_path / "a.png"), float)
    b = np.asarray(Image.open(tmp_path / "b.png"), float)
    corner = (slice(28, 40), slice(0, 60))
    assert np.abs(a[corner] - b[corner]).mean() > 20  # the caption's box and text
    assert np.abs(a[0:20, 60:80] - b[0:20, 60:80]).max() == 0  # nothing else moved
