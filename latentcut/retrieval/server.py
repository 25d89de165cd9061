"""A scene library kept loaded on localhost: one process imports the encoder and reads the index
once, then answers each screenshot in milliseconds (a one-shot ``latentcut index query`` spends
half a second starting Python and loading the model, lite0 in NumPy, before a search).

    POST /query?k=10&mirror=1&insets=1   body: an image file (PNG, JPEG, WebP, ...)  ->  {"hits": [...]}
    GET  /info                                                            ->  {"videos", "shots", ...}

Answers are JSON; a bad request gets status 400 and ``{"error": "..."}``. The server binds
127.0.0.1 unless told otherwise, and writes ``server.json`` (host, port, pid) into the library
folder while it runs, so ``latentcut index query`` finds it and asks it instead of loading the
model itself. Requests are answered one at a time (the library's SQLite connection is this
thread's).
"""
from __future__ import annotations

import io
import json
import os
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np

from latentcut.errors import LatentcutError
from latentcut.extras import missing
from latentcut.io.atomic import atomic_write

SERVER_FILE = "server.json"  #: in the library folder while a server runs
MAX_IMAGE = 64 << 20  #: bytes: a screenshot, not a video


def decode_image(data: bytes) -> np.ndarray:
    """An image file's bytes as (H, W, 3) RGB uint8."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise LatentcutError(f"not an image ({exc})") from None


class _Handler(BaseHTTPRequestHandler):
    server_version = "latentcut"

    def log_message(self, format, *args):  # noqa: A002 - quiet: one line per query would bury the output
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server's name
        lib = self.server.library
        if urllib.parse.urlsplit(self.path).path != "/info":
            return self._send(404, {"error": "GET /info, or POST /query with an image"})
        self._send(200, {"videos": len(lib.videos()), "shots": len(lib), "keyframes": lib.keyframe_count(),
                         "encoder": lib.encoder_spec, "folder": lib.folder})

    def do_POST(self):  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/query":
            return self._send(404, {"error": "POST /query with an image file as the body"})
        try:
            q = urllib.parse.parse_qs(url.query)
            k = int(q.get("k", ["10"])[0])
            mirror = q.get("mirror", ["1"])[0] not in ("0", "false", "no")
            insets = q.get("insets", ["1"])[0] not in ("0", "false", "no")
            if not 1 <= k <= 1000:
                raise LatentcutError(f"k must be 1-1000, not {k}")
            size = int(self.headers.get("Content-Length") or 0)
            if not 0 < size <= MAX_IMAGE:
                raise LatentcutError(f"the body must be an image file of 1 byte to {MAX_IMAGE >> 20} MB, not {size} bytes")
            picture = decode_image(self.rfile.read(size))
            hits = self.server.library.query_pictures([picture], k=k, mirror=mirror, insets=insets)[0]
        except (LatentcutError, ValueError) as exc:
            return self._send(400, {"error": " ".join(str(exc).split())})
        self._send(200, {"hits": [h.to_dict() for h in hits]})


class QueryServer(HTTPServer):
    """An HTTP server on ``host:port`` (0: any free port) answering from ``library``."""

    def __init__(self, library, host: str = "127.0.0.1", port: int = 0):
        super().__init__((host, port), _Handler)  # a busy port fails before the model loads
        self.library = library
        self.record = os.path.join(library.folder, SERVER_FILE)
        warm_for_serving(library.encoder())

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def announce(self) -> None:
        """``server.json`` in the library folder: how a one-shot query finds this server."""
        host, port = self.server_address[:2]
        with atomic_write(self.record, encoding="utf-8") as f:
            json.dump({"host": host, "port": port, "pid": os.getpid()}, f)

    def server_close(self) -> None:
        super().server_close()
        try:
            with open(self.record, encoding="utf-8") as f:
                mine = json.load(f).get("pid") == os.getpid()
        except (OSError, ValueError):
            mine = False
        if mine:  # only this server's own record: another server may have taken the folder since
            os.unlink(self.record)


def warm_for_serving(encoder) -> None:
    """Load the encoder for many requests: an encoder that picks NumPy for a few pictures
    (``backend=auto``: a one-shot query's start-up) runs torch here when it is installed, whose
    start-up a server pays once and which answers a request faster (query_latency.py: 43 against
    56 ms p50 for lite0)."""
    if encoder.get_params().get("backend") == "auto" and not missing("timm"):
        encoder.set_params(backend="torch")
    encoder.prepare()


def running_server(folder: str) -> tuple[str, dict] | None:
    """(URL, its /info) of a server answering for the library in ``folder``, if one is running."""
    import urllib.request

    try:
        with open(os.path.join(folder, SERVER_FILE), encoding="utf-8") as f:
            rec = json.load(f)
        url = f"http://{rec['host']}:{int(rec['port'])}"
        with urllib.request.urlopen(url + "/info", timeout=0.5) as r:
            info = json.load(r)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    same = os.path.realpath(str(info.get("folder", ""))) == os.path.realpath(folder)
    return (url, info) if same else None


def ask(url: str, image: bytes, k: int = 10, mirror: bool = True, insets: bool = True) -> list[dict]:
    """The hits a running server gives for one image file's bytes."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"{url}/query?k={int(k)}&mirror={int(bool(mirror))}&insets={int(bool(insets))}", data=image, method="POST",
                                 headers={"Content-Type": "application/octet-stream"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)["hits"]
    except urllib.error.HTTPError as exc:
        try:
            why = json.load(exc).get("error", exc.reason)
        except ValueError:
            why = exc.reason
        raise LatentcutError(f"the query server at {url} refused the image: {why}") from None
