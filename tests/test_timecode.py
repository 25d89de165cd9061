"""Timecodes and shots as PySceneDetect users know them: accessors, arithmetic, unpacking, FrameTimecode."""
import pytest
from conftest import colour_frames, write_video

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
