"""Timecodes and shots as PySceneDetect users know them: accessors, arithmetic, unpacking, FrameTimecode."""
import pytest
from conftest import colour_frames, write_video
from hypothesis import given, settings
from hypothesis import strategies as st

import latentcut


def test_timecodes_speak_pyscenedetect():
    from latentcut.io.timecode import Timecode

    tc = Timecode(48, 2.002, 23.976)
    assert (tc.get_frames(), tc.get_seconds(), tc.get_timecode()) == (48, 2.002, "00:00:02.002")
    assert Timecode(0, 3725.4567).get_timecode(precision=2) == "01:02:05.46"
    assert Timecode(0, 5.999).get_timecode(precision=0) == "00:00:06"
    assert Timecode(0, 5.999).get_timecode(precision=1, use_rounding=False) == "00:00:05.9"
    with pytest.raises(ValueError, match="precision"):
        tc.get_timecode(precision=12)
    # arithmetic: int frames, float seconds, another timecode; nominal through fps
    later = tc + 24
    assert later.frame == 72 and later.seconds == pytest.approx(2.002 + 24 / 23.976) and later.fps == 23.976
    assert (24 + tc) == later and (later - 24).frame == 48
    assert (tc + 1.0).frame == 48 + 24 and (tc + 1.0).seconds == pytest.approx(3.002)
    gap = later - tc
    assert gap.frame == 24 and gap.seconds == pytest.approx(24 / 23.976)
    assert tc + Timecode(2, 0.1) == Timecode(50, 2.102)
    assert Timecode(5, 0.2, 25) == Timecode(5, 0.2)  # fps is not compared
    with pytest.raises(ValueError, match="before the first frame"):
        tc - 100
    with pytest.raises(ValueError, match="needs its fps"):
        Timecode(3, 0.1) + 1
    with pytest.raises(TypeError):
        tc + "1"
    with pytest.raises(TypeError):
        tc + True


def test_a_shot_unpacks_and_converts_to_frame_timecodes(tmp_path):
    from latentcut.detection.results import Shot
    from latentcut.io.timecode import Timecode

    start, end = Shot(1, Timecode(10, 0.4, 25.0), Timecode(35, 1.4, 25.0))
    assert (start.frame, end.frame) == (10, 35)
    try:
        import scenedetect  # noqa: F401  (the bench extra has it; the test extra does not)
    except ImportError:
        with pytest.raises(ImportError, match="pip install scenedetect"):
            start.to_frame_timecode()
    else:
        ftc = start.to_frame_timecode()
        assert ftc.get_frames() == 10 and ftc.get_seconds() == pytest.approx(0.4)
    with pytest.raises(ValueError, match="no frame rate"):
        Timecode(1, 0.04).to_frame_timecode()
    # the detector's shots carry the video's frame rate
    video = write_video(tmp_path / "v.mp4", colour_frames([(200, 40, 40), (40, 40, 200)], 24), fps=24)
    shots = latentcut.detect(video).shots
    first, second = shots[1] if len(shots) > 1 else shots[0]
    assert first.fps == pytest.approx(24) and (first + 24).frame == first.frame + 24


@settings(max_examples=300, deadline=None)
@given(t=st.floats(0, 1e6, allow_nan=False) | st.integers(0, 10**7).map(lambda n: n / 2000))
def test_the_timecode_and_seconds_columns_never_disagree(t):
    from latentcut.io.timecode import format_millis, format_seconds

    h, m, rest = format_seconds(t).split(":")
    assert float(format_millis(t)) == pytest.approx(int(h) * 3600 + int(m) * 60 + float(rest), abs=1e-9)
    assert format_millis(t).split(".")[1] == rest.split(".")[1]
    assert abs(float(format_millis(t)) - t) <= 0.0005 + 1e-9


def test_millis_rounds_halves_like_the_timecode():
    from latentcut.io.timecode import format_millis, format_seconds

    # '%.3f' % 0.0005 is '0.001' while the timecode says .000: the two columns used to disagree
    assert "%.3f" % 0.0005 == "0.001" and format_seconds(0.0005) == "00:00:00.000"
    assert format_millis(0.0005) == "0.000" and format_millis(0.0025) == format_seconds(0.0025)[-5:]
    assert format_millis(-1) == "0.000" and format_millis(3725.5) == "3725.500"


def test_pyscenedetect_names_work_on_a_timecode():
    from latentcut.io.timecode import Timecode

    t = Timecode(36, fps=24)  # FrameTimecode(36, fps=24): the time is nominal
    assert t.seconds == 1.5 and t.frame_num == 36 and t.framerate == 24 and t.get_timecode() == "00:00:01.500"
    assert t == 36 and t != 37 and t < 37 and t >= 36 and t == 1.5 and t < 1.6 and not t > 1.5
    assert Timecode(36, 1.5) == t and hash(Timecode(36, 1.5)) == hash(t)
    with pytest.raises(ValueError, match="needs its time in seconds, or fps"):
        Timecode(36)
    with pytest.raises(ValueError, match="frame must be >= 0"):
        Timecode(-1, 0.0)
    with pytest.raises(TypeError, match="whole number"):
        Timecode(1.5, 0.0)
    with pytest.raises(TypeError):
        t < "x"  # noqa: B015


def test_frame_timecodes_compare_and_keep_the_real_time():
    scenedetect = pytest.importorskip("scenedetect")
    from latentcut.io.timecode import Timecode

    t = Timecode(37, 1.552, 24000 / 1001)  # a frame whose timestamp is not 37 / fps (1.543)
    f = t.to_frame_timecode()
    assert f.seconds == pytest.approx(1.552, abs=1e-6) and f.get_timecode() == "00:00:01.552"
    ft = scenedetect.FrameTimecode
    assert t == ft(37, 24000 / 1001) and t < ft(38, 24.0) and t > ft(36, 24.0)


def test_pyscenedetects_write_scene_list_takes_latentcut_shots(cut_video):
    pytest.importorskip("scenedetect")
    import io

    from scenedetect.output import write_scene_list

    r = latentcut.detect(cut_video)
    buf = io.StringIO()
    write_scene_list(buf, r.shots)
    rows = buf.getvalue().splitlines()
    assert "00:00:01.000,00:00:02.000" in rows[0]  # the cut list
    assert "1,1,00:00:00.000,0.000,24,00:00:01.000,1.000,24," in rows[-3]
    assert rows[-2].startswith("2,25,00:00:01.000,1.000,48,")


def test_detect_takes_min_scene_len_as_pyscenedetect_does(cut_video):
    from latentcut.detection.thresholders import create_thresholder

    assert latentcut.detect(cut_video).cut_frames == [24, 48]
    assert latentcut.detect(cut_video, min_scene_len=30).cut_frames == [30] or \
        latentcut.detect(cut_video, min_scene_len=30).cut_frames in ([24], [48], [])
    mine = create_thresholder("adaptive")
    assert latentcut.detect(cut_video, min_shot_len="1.5s", thresholder=mine).cut_frames in ([24], [48], [])
    assert mine.min_shot_len != "1.5s"  # the caller's thresholder is not changed
    with pytest.raises(TypeError, match="not both"):
        latentcut.detect(cut_video, min_shot_len=3, min_scene_len=3)
