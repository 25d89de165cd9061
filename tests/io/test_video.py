import warnings

import av
import numpy as np
import pytest
from conftest import clip, colour_frames, needs_shared, write_video

from latentcut import TruncatedVideoWarning, VideoError, VideoReader, probe


def test_batches_indices_times_and_stride(cut_video):
    r = VideoReader(cut_video, size=(16, 24), batch_size=10)
    batches = list(r)
    assert [len(b) for b in batches] == [10] * 7 + [2]
    allf = np.concatenate([b.frames for b in batches])
    assert allf.shape == (72, 16, 24, 3) and allf.dtype == np.uint8
    idx = np.concatenate([b.indices for b in batches])
    times = np.concatenate([b.times for b in batches])
    assert idx.tolist() == list(range(72))
    np.testing.assert_allclose(times, np.arange(72) / 24, atol=1e-6)
    strided = VideoReader(cut_video, stride=5).read_all()
    assert strided.indices.tolist() == list(range(0, 72, 5))
    gray = VideoReader(cut_video, color="gray").read_all()
    assert gray.frames.shape == (72, 64, 64, 1)


def test_probe(cut_video):
    info = probe(cut_video)
    assert (info.width, info.height, info.frame_count, info.rotation) == (64, 48, 72, 0)
    assert info.fps == pytest.approx(24)
    assert info.duration == pytest.approx(3.0, abs=0.05)


def test_variable_frame_rate_times_come_from_timestamps(tmp_path):
    fr = colour_frames([(200, 40, 40), (40, 200, 40)], 10)
    pts = np.cumsum([0] + [0.04 if i < 10 else 0.1 for i in range(19)])  # 25 fps, then 10 fps
    p = write_video(tmp_path / "vfr.mkv", fr, fps=100, pts=pts)  # time base 1/100 holds both spacings exactly
    b = VideoReader(p).read_all()
    np.testing.assert_allclose(b.times, pts, atol=1e-3)


def test_gif_odd_size_rotation_single_frame(tmp_path):
    fr = colour_frames([(200, 40, 40), (40, 200, 40)], 6)
    gif = write_video(tmp_path / "a.gif", fr, fps=10, codec="gif", pix_fmt="rgb8")
    assert VideoReader(gif).read_all().frames.shape == (12, 64, 64, 3)
    odd = write_video(tmp_path / "odd.mkv", [f[:47, :63] for f in fr], codec="ffv1", pix_fmt="yuv444p")
    assert VideoReader(odd, size=(20, 30)).read_all().frames.shape == (12, 20, 30, 3)
    one = write_video(tmp_path / "one.mp4", fr[:1])
    assert len(VideoReader(one).read_all()) == 1


def test_rotated_video_is_turned_upright(tmp_path):
    f = np.zeros((48, 64, 3), np.uint8)
    f[:, :32] = 255  # left half white when stored
    p = write_video(tmp_path / "rot.mp4", [f] * 3, rotation=90)
    info = probe(p)
    assert info.rotation == 90 and info.display_size == (48, 64)
    out = VideoReader(p, size=(64, 48)).read_all().frames[0, ..., 0].astype(int)
    # shown rotated 90 degrees counter-clockwise: the stored left half becomes the bottom half
    assert out[40:].mean() > 200 and out[:24].mean() < 50


def test_bad_files_raise_clear_errors(tmp_path):
    with pytest.raises(VideoError, match="no such file"):
        probe(tmp_path / "missing.mp4")
    txt = tmp_path / "notes.mp4"
    txt.write_text("this is not a video\n" * 50)
    with pytest.raises(VideoError, match="cannot read it as a video"):
        probe(txt)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        probe(empty)
    with pytest.raises(VideoError, match="directory"):
        probe(tmp_path)
    with av.open(str(tmp_path / "zero.mkv"), "w") as o:
        s = o.add_stream("mpeg4", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        o.start_encoding()  # header written, no frame
    with pytest.raises(VideoError, match="zero frames"):
        VideoReader(tmp_path / "zero.mkv").read_all()


def test_truncated_video_decodes_what_is_there_and_says_so(tmp_path):
    fr = colour_frames([(200, 40, 40), (40, 200, 40)], 60)
    full = tmp_path / "full.mkv"
    write_video(full, fr)
    data = full.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    r = VideoReader(cut)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = r.read_all()
    assert 10 < len(got) < 120
    assert r.truncated
    assert any(issubclass(x.category, TruncatedVideoWarning) and "truncated" in str(x.message) for x in w)


@needs_shared
def test_real_clips_decode_to_labelled_frame_counts():
    for name, n in (("anime-issue236.mkv", 48), ("cg-bbb-0-30.webm", 720), ("cg-megamind.avi", 270)):
        assert sum(len(b) for b in VideoReader(clip(name), size=(16, 16))) == n


@needs_shared
def test_fast_and_exact_scaling_agree():
    p = clip("anime-issue236.mkv")
    a = VideoReader(p, size=(32, 32), fast=True).read_all().frames.astype(float)
    b = VideoReader(p, size=(32, 32), fast=False).read_all().frames.astype(float)
    assert np.abs(a - b).mean() < 6.0  # grey levels out of 255
