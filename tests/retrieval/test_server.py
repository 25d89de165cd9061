"""The query server: a library kept loaded answers images over HTTP on localhost, one-shot
queries find it by themselves, and a bad request is one clear error."""
import io
import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from conftest import colour_frames, write_video
from PIL import Image

pytest.importorskip("faiss")

from latentcut.cli import main  # noqa: E402
from latentcut.retrieval.library import SceneLibrary  # noqa: E402
from latentcut.retrieval.server import SERVER_FILE, QueryServer, ask, running_server  # noqa: E402


@pytest.fixture
def served(tmp_path):
    video = write_video(tmp_path / "v.mp4", colour_frames([(200, 40, 40), (40, 200, 40), (40, 40, 200)], 24))
    folder = str(tmp_path / "lib")
    made = SceneLibrary(folder, encoder="pixel,size=16")
    made.add(video, progress=False)
    made.close()
    up, box = threading.Event(), {}

    def run():  # the library's SQLite connection belongs to the thread that serves, as in `index serve`
        box["lib"] = SceneLibrary(folder, create=False)
        box["server"] = QueryServer(box["lib"], port=0)
        box["server"].announce()
        up.set()
        box["server"].serve_forever()

    threading.Thread(target=run, daemon=True).start()
    assert up.wait(30)
    mine = SceneLibrary(folder, create=False)  # this thread's own, to compare answers
    yield folder, box["server"], video, mine
    box["server"].shutdown()
    box["server"].server_close()
    mine.close()


def _png(colour) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((48, 64, 3), colour, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_the_server_answers_as_the_library_does(served, tmp_path, capsys):
    folder, server, video, lib = served
    assert running_server(folder)[0] == server.url and running_server(folder)[1]["shots"] == 3
    hits = ask(server.url, _png((40, 200, 40)), k=3)
    direct = lib.query_pictures([np.full((48, 64, 3), (40, 200, 40), np.uint8)], k=3)[0]
    assert [h["shot_id"] for h in hits] == [h.shot_id for h in direct] and hits[0]["shot"] == 2
    # the one-shot command asks the running server (the same answer, as JSON)
    (tmp_path / "q.png").write_bytes(_png((40, 40, 200)))
    assert main(["index", "query", folder, "--image", str(tmp_path / "q.png"), "--json", "-k", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["shot"] == 3 and len(out) == 2
    with urllib.request.urlopen(server.url + "/info") as r:
        info = json.load(r)
    assert info["shots"] == 3 and info["encoder"] == "pixel,size=16"


@pytest.mark.parametrize("path,body,says", [
    ("/query", b"not an image", "not an image"), ("/query?k=0", None, "k must be 1-1000, not 0"),
    ("/query?k=x", None, "invalid literal"), ("/nothing", None, "POST /query"),
])
def test_a_bad_request_is_a_clear_400(served, path, body, says):
    _, server, _, _ = served
    req = urllib.request.Request(server.url + path, data=body if body is not None else _png((0, 0, 0)), method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    assert err.value.code in (400, 404) and says in json.load(err.value)["error"]
    with pytest.raises(Exception, match="refused the image: not an image"):
        ask(server.url, b"junk")


def test_no_server_record_is_left_behind_and_a_stale_one_is_ignored(tmp_path):
    video = write_video(tmp_path / "v.mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 24))
    folder = str(tmp_path / "lib")
    lib = SceneLibrary(folder, encoder="pixel,size=16")
    lib.add(video, progress=False)
    server = QueryServer(lib, port=0)
    server.announce()
    server.server_close()  # never served; closing takes its record away
    assert not (tmp_path / "lib" / SERVER_FILE).exists()
    (tmp_path / "lib" / SERVER_FILE).write_text(json.dumps({"host": "127.0.0.1", "port": 9, "pid": 1}))
    assert running_server(folder) is None  # nobody answers there: the query loads the library itself
    lib.close()


def test_min_score_leaves_out_weak_hits_and_says_not_in_the_library(served, tmp_path, capsys):
    folder, server, _, _ = served
    (tmp_path / "q.png").write_bytes(_png((40, 40, 200)))
    argv = ["index", "query", folder, "--image", str(tmp_path / "q.png"), "-k", "3"]
    assert main([*argv, "--min-score", "1.5", "--json"]) == 0  # cosine never reaches 1.5
    assert json.loads(capsys.readouterr().out) == []
    assert main([*argv, "--min-score", "1.5"]) == 0
    assert "no hit: not in the library (none scores 1.5 or more)" in capsys.readouterr().out
    assert main([*argv, "--min-score", "-1", "--json", "--no-server"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main([*argv, "--min-score", "x"]) == 2
    assert "--min-score: expected a number or auto, not 'x'" in capsys.readouterr().err
    assert main([*argv, "--min-score", "auto"]) == 2  # no threshold was measured for pixel
    assert "no threshold was measured for the encoder 'pixel,size=16'" in capsys.readouterr().err


def test_index_serve_runs_until_stopped_and_takes_its_record_away(tmp_path):
    import os
    import subprocess
    import sys
    import time

    video = write_video(tmp_path / "v.mp4", colour_frames([(200, 40, 40), (40, 200, 40)], 24))
    folder = str(tmp_path / "lib")
    assert main(["index", "add", folder, video, "--encoder", "pixel,size=16", "-q"]) == 0
    proc = subprocess.Popen([sys.executable, "-m", "latentcut.cli", "index", "serve", folder, "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "answering on http://127.0.0.1:" in line and line.rstrip().endswith("(POST an image; Ctrl-C stops)")
        t0 = time.monotonic()
        while running_server(folder) is None and time.monotonic() - t0 < 20:
            time.sleep(0.1)
        url, info = running_server(folder)
        assert info["shots"] == 2 and ask(url, _png((40, 200, 40)), k=1)[0]["shot"] == 2
    finally:
        proc.terminate()
        assert proc.wait(20) == 0
    assert not os.path.exists(os.path.join(folder, SERVER_FILE))


def test_the_calibrated_threshold_is_the_default_encoders_at_its_settings():
    from latentcut.retrieval.library import NO_MATCH_BELOW, no_match_below

    assert no_match_below("lite0") == NO_MATCH_BELOW["lite0"] == 0.736
    assert no_match_below("lite0,weights=/w/x.safetensors") == 0.736
    assert no_match_below("lite0,pca=none") is None and no_match_below("pixel") is None and no_match_below("") is None


def test_a_server_runs_lite0_on_torch_and_a_one_shot_on_numpy(monkeypatch):
    import os

    from conftest import WEIGHTS

    import latentcut.retrieval.server as srv
    from latentcut.encoders import create_encoder

    weights = os.path.join(WEIGHTS, "tf-efficientnet-lite0-imagenet.safetensors")
    if not os.path.exists(weights):
        pytest.skip("../shared/weights is not available")
    enc = create_encoder("lite0", weights=weights)
    srv.warm_for_serving(enc)
    assert enc.backend == "torch" and hasattr(enc, "net_")  # its start-up paid once, faster per request
    pinned = create_encoder("lite0,backend=numpy", weights=weights)
    srv.warm_for_serving(pinned)
    assert pinned.backend == "numpy" and not hasattr(pinned, "net_")  # a backend the user named stays
    monkeypatch.setattr(srv, "missing", lambda extra: ["timm"])
    bare = create_encoder("lite0", weights=weights)
    srv.warm_for_serving(bare)
    assert bare.backend == "auto" and hasattr(bare, "numpy_net_")  # no torch: NumPy serves
    srv.warm_for_serving(create_encoder("pixel,size=16"))  # an encoder without backends just loads
