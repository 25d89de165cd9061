"""Progress: a bar on a terminal, a status line now and then off it, silence when asked."""
import pytest

from latentcut.io import progress
from latentcut.io.progress import StatusLine, bar, showing, status


def test_status_lines_off_a_terminal(capsys):
    line = StatusLine(200, "decoding film.mp4", "frame", every=0.0)
    line.update(50)
    line.update(50)
    line.close()
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("latentcut: decoding film.mp4: 50/200 frames (25%), ") and err[0].endswith(" frames/s")
    assert err[1].startswith("latentcut: decoding film.mp4: 100/200 frames (50%)")
    assert err[2].startswith("latentcut: decoding film.mp4: 100/200 frames (50%)")  # close says where it ended
    assert len(err) == 3


def test_short_work_says_nothing_off_a_terminal(capsys):
    line = StatusLine(None, "thumbnails", "frame")
    line.update(10)
    line.close()
    assert capsys.readouterr().err == ""


def test_unknown_totals_have_no_percentage(capsys):
    line = StatusLine(None, "steps", "step", every=0.0)
    line.update(3)
    assert "latentcut: steps: 3 steps, " in capsys.readouterr().err


def test_bar_kinds(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert isinstance(bar(10, "x"), StatusLine)
    assert bar(10, "x", enabled=False) is None
    with showing(False):
        assert bar(10, "x") is None
        assert isinstance(bar(10, "x", enabled=True), object)
    with showing(True):
        b = bar(10, "x")
        assert not isinstance(b, StatusLine) and hasattr(b, "update")
        b.close()


def test_quiet_silences_status(capsys):
    status("self-training")
    assert capsys.readouterr().err == "latentcut: self-training\n"
    with showing(False):
        status("self-training")
    assert capsys.readouterr().err == ""
    with showing(False), showing(None):
        status("inner")  # the innermost setting wins
    assert capsys.readouterr().err == "latentcut: inner\n"


@pytest.mark.parametrize("every", [progress.STATUS_EVERY])
def test_the_interval_is_ten_seconds(every):
    assert every == 10.0


def test_self_training_says_what_it_does_and_where_it_caches(tmp_path, capsys, cut_video):
    import latentcut

    det = latentcut.ShotDetector(encoder="beta-vae,epochs=1,latent_dim=2,hidden=4/8,size=16,max_frames=48",
                                  cache=str(tmp_path), progress=False)
    det.detect(cut_video)
    assert capsys.readouterr().err == ""  # progress=False: silent
    det = latentcut.ShotDetector(encoder="beta-vae,epochs=1,latent_dim=2,hidden=4/8,size=16,max_frames=48",
                                  cache=str(tmp_path / "b"))
    det.detect(cut_video)
    err = capsys.readouterr().err
    assert "latentcut: beta-vae: self-training on the frames of cuts.mp4 (cached for next time in " in err
    assert "latentcut: beta-vae: self-trained model cached: " in err
    enc = latentcut.create_encoder("beta-vae,epochs=1,latent_dim=2,hidden=4/8,size=16,max_frames=48")
    enc.fit_video(latentcut.VideoReader(cut_video, size=enc.frame_size), cache_dir=str(tmp_path / "b"))
    assert "latentcut: beta-vae: using the model self-trained on cuts.mp4 earlier (" in capsys.readouterr().err


def test_the_keyframe_bar_starts_with_its_pass(monkeypatch):
    """Made before the detection pass, its clock would count that pass too: the rate and time left
    it showed were stale. It is made at the pass's first report."""
    from latentcut.retrieval import library

    made = []

    class Bar:
        def __init__(self, total):
            self.total, self.n, self.closed = total, 0, False

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    monkeypatch.setattr(library, "progress_bar", lambda total, *a, **k: made.append(Bar(total)) or made[-1])
    show = library._status(True, "v.mp4")
    assert made == []  # nothing yet: the detection pass runs first
    show(3, 10)
    show(10, 10)
    assert len(made) == 1 and made[0].n == 10 and made[0].total == 10 and made[0].closed
    assert library._status(False, "v.mp4") is None


def test_a_warning_prints_above_a_bar(capsys):
    from tqdm import tqdm

    from latentcut.cli import _show_warning

    with tqdm(total=3, file=__import__("sys").stderr) as t:
        t.update(1)
        _show_warning("careful", UserWarning, "x.py", 1)
    err = capsys.readouterr().err
    at = err.index("latentcut: warning: careful\n")
    # the bar's line is cleared first (tqdm's "\r" and blanks): the warning starts a line of its own
    assert at > 0 and err[at - 1] in "\r\n" and err[:at].rstrip(" ").endswith("\r")
