"""The parts that keep a user's files and the API's arguments safe, unit by unit (in mutmut's
selection): folder ownership and swaps, output sets, the ledger of files latentcut wrote, and
the public arguments' checks."""
import json
import os
import pathlib
import shutil

import numpy as np
import pytest

from latentcut.errors import LatentcutError
from latentcut.io import arguments as A
from latentcut.io import folders as F
from latentcut.io.atomic import OutputError, atomic_path, atomic_write
from latentcut.io.ledger import FORMAT, NAME, Ledger

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process

# -- folders ----------------------------------------------------------------------------------------


def _files(folder):
    return sorted(os.listdir(folder))


def test_folder_is_ours_by_marker_listing_emptiness_or_the_callers_test(tmp_path):
    assert F.folder_is_ours(str(tmp_path / "missing"))
    (tmp_path / "e").mkdir()
    assert F.folder_is_ours(str(tmp_path / "e"))
    (tmp_path / "e" / "x").write_text("1")
    assert not F.folder_is_ours(str(tmp_path / "e"))
    assert F.folder_is_ours(str(tmp_path / "e"), owned=lambda f: True)
    assert not F.folder_is_ours(str(tmp_path / "e"), owned=lambda f: False)
    (tmp_path / "e" / F.MARKER).write_text(json.dumps({"made_by": "latentcut", "files": ["x"]}))
    assert F.folder_is_ours(str(tmp_path / "e"))
    (tmp_path / "e" / F.MARKER).write_text(json.dumps({"made_by": "someone", "files": ["x"]}))
    assert not F.folder_is_ours(str(tmp_path / "e"))
    (tmp_path / "e" / F.MARKER).write_text(json.dumps({"made_by": "latentcut", "files": []}))
    assert not F.folder_is_ours(str(tmp_path / "e"))
    (tmp_path / "e" / F.MARKER).write_text(json.dumps({"made_by": "latentcut"}))
    assert not F.folder_is_ours(str(tmp_path / "e"))


def test_foreign_lists_what_the_marker_does_not_name(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    for n in ("a", "b", "c"):
        (d / n).write_text(n)
    assert F._foreign(str(d), ["a", "b", "c"]) == ["a", "b", "c"]
    (d / F.MARKER).write_text(json.dumps({"made_by": "latentcut", "files": ["a", "c"]}))
    assert F._foreign(str(d), ["a", "b", "c", F.MARKER]) == ["b"]
    (d / F.MARKER).write_text("{")
    assert F._foreign(str(d), ["a", F.MARKER]) == ["a"]


def test_holds_only_accepts_the_named_files_and_the_marker(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    owned = F.holds_only("config.json", "model.safetensors")
    assert owned(str(tmp_path))
    (tmp_path / F.MARKER).write_text("x")
    assert owned(str(tmp_path))
    (tmp_path / "other").write_text("x")
    assert not owned(str(tmp_path))
    assert F.holds_only()(str(tmp_path / "missing"))  # nothing there holds nothing else


def test_check_folder_messages_and_writability(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(OutputError, match=r"^--x .*file: is a file, not a folder$"):
        F.check_folder(f, "--x")
    d = tmp_path / "d"
    d.mkdir()
    for n in ("a", "b", "c", "d"):
        (d / n).write_text(n)
    with pytest.raises(OutputError) as e:
        F.check_folder(d)
    assert str(e.value).startswith(f"{d}: holds files latentcut did not make (a, b, c, ...)")
    (d / "d").unlink()
    with pytest.raises(OutputError, match=r"\(a, b, c\);"):
        F.check_folder(d)
    F.check_folder(tmp_path / "new" / "deeper")  # its parent is made, the folder itself is not
    assert (tmp_path / "new").is_dir() and not (tmp_path / "new" / "deeper").exists()
    assert _files(tmp_path / "new") == []  # no probe left behind
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        with pytest.raises(OutputError, match="cannot write there"):
            F.check_folder(ro / "x")


def test_commit_folder_writes_the_marker_and_a_failed_write_leaves_nothing(tmp_path):
    F.commit_folder(tmp_path / "f", lambda t: (pathlib.Path(t) / "a").write_text("1"))
    assert _files(tmp_path / "f") == [F.MARKER, "a"]
    assert json.loads((tmp_path / "f" / F.MARKER).read_text()) == {"made_by": "latentcut", "files": ["a"]}
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(tmp_path / "f").st_mode & 0o777 == 0o777 & ~umask  # not mkdtemp's 0700

    def boom(t):
        (pathlib.Path(t) / "b").write_text("2")
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        F.commit_folder(tmp_path / "f", boom)
    assert _files(tmp_path / "f") == [F.MARKER, "a"] and _files(tmp_path) == ["f"]
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        F.commit_folder(tmp_path / "plain", lambda t: None)


def test_output_set_stages_files_and_folders_and_nests(tmp_path):
    a = tmp_path / "a"
    a.write_text("old")
    with F.output_set():
        with F.output_set():  # an inner set belongs to the outer one
            with atomic_write(a) as f:
                f.write("new")
        F.commit_folder(tmp_path / "dir", lambda t: (pathlib.Path(t) / "x").write_text("1"))
        assert a.read_text() == "old" and not (tmp_path / "dir").exists()
    assert a.read_text() == "new" and _files(tmp_path / "dir") == [F.MARKER, "x"]
    with pytest.raises(KeyboardInterrupt):
        with F.output_set():
            F.commit_folder(tmp_path / "dir", lambda t: (pathlib.Path(t) / "y").write_text("1"))
            with atomic_path(a) as tmp:
                open(tmp, "w").write("never")
            raise KeyboardInterrupt
    assert a.read_text() == "new" and _files(tmp_path / "dir") == [F.MARKER, "x"]
    assert sorted(_files(tmp_path)) == ["a", "dir"]  # nothing staged is left behind


def test_output_set_writes_standard_output_at_once(tmp_path, capsys):
    with F.output_set():
        with atomic_write("-") as f:
            f.write("to stdout")
    assert capsys.readouterr().out == "to stdout"


def test_recover_folder_finishes_a_swap_a_killed_process_left(tmp_path):
    folder = tmp_path / "m"
    dead = 2 ** 22 + 12345  # no such process
    new = tmp_path / f".m.new-{dead}-abc"
    new.mkdir()
    (new / "x").write_text("whole")
    F.recover_folder(str(folder), complete=lambda p: True)
    assert (folder / "x").read_text() == "whole" and not new.exists()
    old = tmp_path / f".m.old-{dead}-def"
    old.mkdir()
    F.recover_folder(str(folder))
    assert not old.exists() and (folder / "x").exists()  # a leftover beside a whole folder goes
    live = tmp_path / f".m.new-{os.getpid()}-ghi"
    live.mkdir()
    F.recover_folder(str(folder))
    assert live.exists()  # a live process's work is not touched


# -- the ledger -------------------------------------------------------------------------------------


def test_ledger_owns_only_unchanged_files_it_recorded_in_its_folder(tmp_path):
    led = Ledger(str(tmp_path))
    a = tmp_path / "a.png"
    a.write_bytes(b"1234")
    assert not led.owns(str(a))
    led.record([str(tmp_path / "missing.png"), str(tmp_path / "sub" / "b.png"), str(a)])  # skipped, not a stop
    assert led.owns(str(a)) and list(led.files) == ["a.png"]
    assert Ledger(str(tmp_path)).owns(str(a))  # saved
    doc = json.loads((tmp_path / NAME).read_text())
    assert doc["format"] == FORMAT and doc["files"]["a.png"]["size"] == 4
    st = os.stat(a)
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 1000))
    assert not led.owns(str(a))  # touched since
    led.record([str(a)])
    a.write_bytes(b"12345")
    os.utime(a, ns=(st.st_atime_ns, led.files["a.png"]["mtime_ns"]))
    assert not led.owns(str(a))  # same time, other size
    assert not led.owns(str(tmp_path / "other" / "a.png"))
    led.record([str(a)])
    twin = tmp_path / "other" / "a.png"  # same name, size and time, another folder: not the ledger's
    twin.parent.mkdir()
    twin.write_bytes(a.read_bytes())
    os.utime(twin, ns=(st.st_atime_ns, os.stat(a).st_mtime_ns))
    assert led.owns(str(a)) and not led.owns(str(twin))


def test_ledger_mine_and_a_damaged_ledger(tmp_path):
    led = Ledger(str(tmp_path))
    for n in ("b", "a"):
        (tmp_path / n).write_text(n)
    led.record([str(tmp_path / "b"), str(tmp_path / "a")])
    assert led.mine() == [str(tmp_path / "a"), str(tmp_path / "b")]
    (tmp_path / "b").unlink()
    assert led.mine() == [str(tmp_path / "a")]
    led.save()
    assert list(Ledger(str(tmp_path)).files) == ["a"]  # gone files leave the ledger
    (tmp_path / NAME).write_text("not json")
    assert Ledger(str(tmp_path)).files == {}
    (tmp_path / NAME).write_text(json.dumps({"format": "other", "files": {"a": {}}}))
    assert Ledger(str(tmp_path)).files == {}
    (tmp_path / NAME).write_text(json.dumps({"format": FORMAT, "files": {"a": {"size": 1}, "b": 3, "gone": {"size": 1}}}))
    assert list(Ledger(str(tmp_path)).files) == ["a"]  # malformed and vanished entries dropped on reading
    (tmp_path / NAME).write_text(json.dumps({"format": FORMAT, "files": [1]}))
    assert Ledger(str(tmp_path)).files == {}


# -- arguments --------------------------------------------------------------------------------------


def _message(exc_type, fn, *args):
    with pytest.raises(exc_type) as e:
        fn(*args)
    return str(e.value)


def test_path_arg():
    assert A.path_arg("a.mp4") == "a.mp4"
    assert A.path_arg(pathlib.Path("a.mp4")) == "a.mp4"
    assert A.path_arg(b"a.mp4") == "a.mp4"
    base = "must be a video file's path (str or os.PathLike), not "
    assert _message(TypeError, A.path_arg, None) == "path " + base + "NoneType"
    assert _message(TypeError, A.path_arg, 5, "video") == "video " + base + "int"
    assert _message(TypeError, A.path_arg, [1]) == "path " + base + "list; for several videos, call once per video"
    assert _message(TypeError, A.path_arg, (1,)) == "path " + base + "tuple; for several videos, call once per video"
    assert _message(TypeError, A.path_arg, np.zeros(2)) == (
        "path " + base + "ndarray; decoded frames go to an encoder's transform(), then ShotDetector.detect_embeddings()")

    class Odd:
        def __fspath__(self):
            return 5

    assert _message(TypeError, A.path_arg, Odd(), "video").startswith("video must be a file path (str or os.PathLike): ")
    assert _message(A.ArgumentError, A.path_arg, "") == "path is empty; give a video file's path"
    assert _message(A.ArgumentError, A.path_arg, "a\0b", "p") == "p holds a NUL character, which no file name can"
    assert issubclass(A.ArgumentError, LatentcutError) and issubclass(A.ArgumentError, ValueError)


def test_int_arg():
    assert A.int_arg(3, "k") == 3 and type(A.int_arg(np.int64(3), "k")) is int
    for bad, shown in ((True, "bool True"), (1.0, "float 1.0"), ("1", "str '1'"), (None, "NoneType None")):
        assert _message(TypeError, A.int_arg, bad, "k") == f"k must be a whole number (int), not {shown}"
    with pytest.raises(TypeError):
        A.int_arg(np.float32(1), "k")
    assert A.int_arg(1, "k", 1) == 1 and A.int_arg(5, "k", 1, 5) == 5
    with pytest.raises(A.ArgumentError, match=r"^k must be >= 1, not 0$"):
        A.int_arg(0, "k", 1)
    with pytest.raises(A.ArgumentError, match=r"^k must be <= 5, not 6$"):
        A.int_arg(6, "k", 1, 5)
    assert A.int_arg(-7, "k") == -7


def test_bool_args():
    assert A.bool_arg(True, "x") is True and A.bool_arg(np.bool_(False), "x") is False
    for bad in (1, 0, "false", None, np.array([True])):
        with pytest.raises(TypeError, match="^x must be True or False, not "):
            A.bool_arg(bad, "x")
    assert _message(TypeError, A.bool_arg, "no", "gradual") == "gradual must be True or False, not str 'no'"
    assert A.optional_bool(None, "x") is None and A.optional_bool(False, "x") is False
    assert _message(TypeError, A.optional_bool, 1, "progress") == "progress must be True or False, not int 1"


def test_length_and_position_args():
    for good in (12, 0.5, "0.5s", "00:00:01.000", "12"):
        assert A.length_arg(good, "span") == good
    assert A.length_arg(None, "span", allow_none=True) is None
    for bad in (None, True, [1], b"1"):
        with pytest.raises(TypeError, match="^span must be frames"):
            A.length_arg(bad, "span")
    assert _message(TypeError, A.length_arg, [1], "span") == (
        "span must be frames (int), seconds (float or '0.5s') or a timecode string, not list")
    for bad in (-1, "abc", float("nan")):
        with pytest.raises(A.ArgumentError, match="span"):
            A.length_arg(bad, "span")
    assert A.position_arg(None, "start") is None and A.position_arg("1s", "start") == "1s"
    with pytest.raises(TypeError, match="^start must be"):
        A.position_arg(object(), "start")


def test_vectors_pictures_strings_and_store_args():
    assert A.vectors_arg([[1, 2]]).dtype == np.float32
    assert A.vectors_arg(np.zeros((2, 3, 4))).shape == (2, 3, 4)
    assert _message(A.ArgumentError, A.vectors_arg, [1, 2, 3]) == "queries must have 2 or 3 dimensions, not shape (3,)"
    assert _message(A.ArgumentError, A.vectors_arg, [[1.0]], "v", (1,)) == "v must have 1 dimensions, not shape (1, 1)"
    assert _message(A.ArgumentError, A.vectors_arg, [[np.nan, 1.0]]) == "queries holds NaN or infinite values"
    assert _message(TypeError, A.vectors_arg, [["a"]]).startswith("queries must be an array of numbers, not list (")
    pic = np.zeros((4, 5, 3), np.uint8)
    got = A.pictures_arg([pic, pic])
    assert len(got) == 2 and got[0] is pic
    assert len(A.pictures_arg(np.zeros((2, 4, 5, 3), np.uint8))) == 2
    assert A.pictures_arg([]) == []
    assert _message(TypeError, A.pictures_arg, "a.png") == (
        "pictures must be a list of (H, W, 3) uint8 pictures, not str; a file goes to query_ref() or query_refs()")
    assert _message(TypeError, A.pictures_arg, 5) == "pictures must be a list of (H, W, 3) uint8 pictures, not int"
    for bad, shown in ((np.zeros((4, 5), np.uint8), "ndarray of shape (4, 5)"),
                       (np.zeros((0, 5, 3), np.uint8), "ndarray of shape (0, 5, 3)"),
                       (np.zeros((4, 0, 3), np.uint8), "ndarray of shape (4, 0, 3)"),
                       (np.zeros((4, 5, 4), np.uint8), "ndarray of shape (4, 5, 4)"), ("x", "str of shape ()")):
        assert _message(A.ArgumentError, A.pictures_arg, [pic, bad]) == f"pictures[1] must be an (H, W, 3) picture, not {shown}"
    assert _message(A.ArgumentError, A.pictures_arg, [[[1], [1, 2]]], "frames") == (
        "frames[0] must be an (H, W, 3) picture, not list")
    assert _message(A.ArgumentError, A.pictures_arg, [np.zeros((4, 5, 3))]) == "pictures[0] must be uint8 (0-255), not float64"
    assert A.strings_arg(["a", pathlib.Path("b")], "refs") == ["a", "b"]
    for bad in ("ab", b"ab", None, 3):
        with pytest.raises(TypeError, match="^refs must be a list of strings"):
            A.strings_arg(bad, "refs")
    assert _message(TypeError, A.strings_arg, 3, "refs") == "refs must be a list of strings, not int"
    assert _message(TypeError, A.strings_arg, ["a", 1], "refs") == "refs[1] must be a string, not int"
    assert A.store_args("lib", None, True, None, False) == "lib"
    assert A.store_args(pathlib.Path("lib"), "pixel", False, {"a": 1}, True) == "lib"
    for bad, message in (((None, None, True, None, True), "folder must be a video file's path"),
                         (("l", 3, True, None, True), "encoder must be an encoder spec string such as 'lite0' "
                                                      "(a library stores it), not int"),
                         (("l", None, 1, None, True), "create must be True or False, not int 1"),
                         (("l", None, True, [1], True), "keyframes must be a dict of keyframe settings or None, not list"),
                         (("l", None, True, None, "yes"), "strip must be True or False, not str 'yes'")):
        assert _message(TypeError, A.store_args, *bad).startswith(message)


def test_output_set_with_atomic_path_to_a_file_and_to_standard_output(tmp_path, capsys):
    a = tmp_path / "a.png"
    with F.output_set():
        with atomic_path(a) as tmp:
            open(tmp, "w").write("picture")
        with atomic_path("-") as tmp:
            open(tmp, "w").write("to stdout")
        assert not a.exists() and capsys.readouterr().out == ""  # both wait for the set
    assert a.read_text() == "picture" and capsys.readouterr().out == "to stdout"
    assert _files(tmp_path) == ["a.png"]


def test_an_aborted_set_copes_with_its_temporary_files_already_gone(tmp_path):
    with pytest.raises(RuntimeError, match="stop"):
        with F.output_set():
            with atomic_path(tmp_path / "a") as tmp:
                open(tmp, "w").write("x")
            os.unlink(tmp)  # gone already (a cleaner, another process)
            F.commit_folder(tmp_path / "d", lambda t: None)
            for leftover in os.listdir(tmp_path):
                if leftover.startswith(".d.new-"):
                    shutil.rmtree(tmp_path / leftover)
            raise RuntimeError("stop")
    assert _files(tmp_path) == []


def test_output_set_writes_through_a_fifo_at_commit(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    with F.output_set():
        with atomic_path(fifo) as tmp:
            open(tmp, "w").write("through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and _files(tmp_path) == ["pipe"]


def test_holds_only_a_folder_of_exactly_the_named_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / F.MARKER).write_text("x")
    assert F.holds_only("config.json")(str(tmp_path))


def _put(names):
    def write(tmp):
        for n in names:
            (pathlib.Path(tmp) / n).write_text(n)
    return write


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two renames"])
def test_commit_folder_replaces_its_own_folder_whole(tmp_path, monkeypatch, exchange):
    if not exchange:  # where the file system cannot exchange two paths
        monkeypatch.setattr(F, "_exchange", lambda a, b: False)
    F.commit_folder(tmp_path / "f", _put(["a", "b"]))
    F.commit_folder(tmp_path / "f", _put(["c"]))
    assert _files(tmp_path / "f") == [F.MARKER, "c"] and _files(tmp_path) == ["f"]
    assert json.loads((tmp_path / "f" / F.MARKER).read_text())["files"] == ["c"]
    legacy = tmp_path / "legacy"  # written before markers, recognised by the caller
    legacy.mkdir()
    (legacy / "config.json").write_text("old")
    F.commit_folder(legacy, _put(["config.json"]), owned=F.holds_only("config.json"))
    assert (legacy / "config.json").read_text() == "config.json"
    assert sorted(_files(tmp_path)) == ["f", "legacy"]


def test_check_folder_names_only_the_files_latentcut_did_not_write(tmp_path):
    d = tmp_path / "d"
    F.commit_folder(d, _put(["a"]))
    (d / "mine.txt").write_text("x")
    with pytest.raises(OutputError) as e:
        F.check_folder(d, "--html-assets")
    assert str(e.value) == (f"--html-assets {d}: holds files latentcut did not make (mine.txt); latentcut never "
                            "replaces or empties a folder of yours: give a new or empty folder")
    F.check_folder(d, owned=lambda folder: folder == str(d))  # the caller's test sees the folder itself
    with pytest.raises(OutputError) as e:
        F.commit_folder(d, _put(["a"]), owned=lambda folder: False)
    assert str(e.value).startswith(f"{d}: holds files latentcut did not make (mine.txt); ")
    F.commit_folder(d, _put(["b"]), owned=lambda folder: folder == str(d))
    assert _files(d) == [F.MARKER, "b"]


def test_commit_folder_write_errors(tmp_path, monkeypatch):
    import errno

    def full(tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError) as e:
        F.commit_folder(tmp_path / "f", full)
    assert str(e.value) == f"{tmp_path / 'f'}: cannot write (No space left on device)"

    def other(tmp):
        raise FileNotFoundError(errno.ENOENT, "No such file", "elsewhere")

    with pytest.raises(FileNotFoundError):  # not a write error: the caller's own, as it is
        F.commit_folder(tmp_path / "f", other)

    def gone(tmp):  # the writer removed its own folder, then failed
        shutil.rmtree(tmp)
        raise RuntimeError("the writer's error")

    with pytest.raises(RuntimeError, match="the writer's error"):
        F.commit_folder(tmp_path / "f", gone)
    assert _files(tmp_path) == []
    real_mkdtemp = F.tempfile.mkdtemp

    def mkdtemp(prefix, dir):  # the disk fills between the check and the write
        if ".new-" in prefix:
            raise OSError(errno.ENOSPC, "Disk full")
        return real_mkdtemp(prefix=prefix, dir=dir)

    monkeypatch.setattr(F.tempfile, "mkdtemp", mkdtemp)
    with pytest.raises(OutputError) as e:
        F.commit_folder(tmp_path / "g", _put(["a"]))
    assert str(e.value) == f"{tmp_path / 'g'}: cannot write there (Disk full)"
    monkeypatch.undo()
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError) as e:
        F.check_folder(tmp_path / "file" / "sub", "-o")
    assert str(e.value) == f"-o {tmp_path / 'file' / 'sub'}: cannot write there (a part of the path is a file, not a folder)"


def test_recover_folder_takes_the_newest_whole_leftover(tmp_path):
    folder = tmp_path / "m"
    dead = 2 ** 22 + 12345
    whole = lambda p: os.path.exists(os.path.join(p, "whole"))  # noqa: E731
    half = tmp_path / f".m.new-{dead}-a"  # a new set killed half-written
    half.mkdir()
    older, newer = tmp_path / f".m.old-{dead}-z", tmp_path / f".m.old-{dead}-c"  # the newest is not the last by name
    for p, t in ((older, 1_000_000), (newer, 2_000_000)):
        p.mkdir()
        (p / "whole").write_text(p.name)
        os.utime(p, (t, t))
    F.recover_folder(str(folder), complete=whole)
    assert (folder / "whole").read_text() == newer.name and _files(tmp_path) == ["m"]


def test_commit_folder_recovers_with_its_callers_completeness_test(tmp_path):
    dead = 2 ** 22 + 12345
    half = tmp_path / f".m.new-{dead}-a"  # a killed run's unfinished set, no marker in it
    half.mkdir()
    (half / "partial").write_text("x")
    F.commit_folder(tmp_path / "m", _put(["a"]), complete=lambda p: os.path.exists(os.path.join(p, "whole")))
    assert _files(tmp_path / "m") == [F.MARKER, "a"] and _files(tmp_path) == ["m"]


def test_check_folder_says_why_it_cannot_write(tmp_path, monkeypatch):
    import errno

    def denied(path, exist_ok=False):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(F.os, "makedirs", denied)
    with pytest.raises(OutputError) as e:
        F.check_folder(tmp_path / "x" / "y")
    assert str(e.value) == f"{tmp_path / 'x' / 'y'}: cannot write there (Permission denied)"
