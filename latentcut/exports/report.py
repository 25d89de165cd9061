"""An HTML report of one detection: the video, one row per shot (thumbnails, timecodes, length,
how it begins, links into the video's time), the score curve and the map of the frames.

Self-contained by default (every picture inlined as a data URI: one file to mail or archive);
with ``assets`` the pictures go to a folder beside the page instead, written as one set. Times in
links are media fragments (``video.mp4#t=12.345``), which browsers seek to; a click on a row's
time also seeks the player at the top.
"""
from __future__ import annotations

import base64
import html
import io
import os
import pathlib
from urllib.parse import quote

import numpy as np

from latentcut.detection.results import DetectionResult
from latentcut.io.atomic import atomic_write
from latentcut.io.folders import commit_folder
from latentcut.io.thumbnails import thumbnails
from latentcut.io.timecode import format_seconds
from latentcut.maps.projection import map_video
from latentcut.maps.render import draw_map_figure
from latentcut.scoring.plot import draw_curve

THUMB = (90, 160)  #: (height, width) of a row's thumbnails
PER_SHOT = 3  #: thumbnails a row: first, middle and last frame


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _jpeg(picture: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(picture)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def curve_png(result: DetectionResult) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = draw_curve(result, width=1400, height=520)
    data = _png(fig)
    plt.close(fig)
    return data


def map_png(result: DetectionResult) -> bytes | None:
    """PCA of the frames' embeddings, coloured by shot (no UMAP: a report must be quick and lean)."""
    if result.embeddings is None or len(result.curve) < 3:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = map_video(result, "pca", 4000)
    fig = draw_map_figure(m.coords, m.shots, "shot", "frames by PCA of their embeddings", (900, 760))
    data = _png(fig)
    plt.close(fig)
    return data


def _shot_frames(shot) -> list[int]:
    a, b = shot.start.frame, max(shot.end.frame - 1, shot.start.frame)
    return [a, (a + b) // 2, b]


def write_report(result: DetectionResult, path: str, assets: str | None = None, title: str | None = None) -> None:
    """Write the report to ``path`` (``-``: standard output); ``assets``, a folder for the pictures."""
    frames = [f for s in result.shots for f in _shot_frames(s)]
    thumbs = thumbnails(result.video.path, frames, THUMB) if frames else np.zeros((0, *THUMB, 3), np.uint8)
    pictures: dict[str, bytes] = {}
    for k, f in enumerate(frames):
        pictures[f"shot-{k // PER_SHOT + 1:05d}-{k % PER_SHOT + 1}.jpg"] = _jpeg(thumbs[k])
    pictures["curve.png"] = curve_png(result)
    m = map_png(result)
    if m is not None:
        pictures["map.png"] = m
    page_dir = os.path.dirname(os.path.abspath(path)) if path != "-" else os.getcwd()
    if assets:
        folder = os.path.abspath(assets)

        def write(tmp: str) -> None:
            for name, data in pictures.items():
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)

        commit_folder(folder, write)
        rel = os.path.relpath(folder, page_dir)
        src = {name: quote(pathlib.PurePath(rel, name).as_posix()) for name in pictures}
    else:
        src = {name: f"data:image/{'png' if name.endswith('.png') else 'jpeg'};base64,"
                     f"{base64.b64encode(data).decode('ascii')}" for name, data in pictures.items()}
    text = render(result, src, page_dir, title)
    with atomic_write(path, encoding="utf-8") as f:
        f.write(text)


def _video_href(result: DetectionResult, page_dir: str) -> str:
    target = os.path.abspath(result.video.path)
    try:
        rel = os.path.relpath(target, page_dir)
    except ValueError:  # another drive (Windows)
        return pathlib.Path(target).as_uri()
    return quote(pathlib.PurePath(rel).as_posix())


CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .3em} .meta{color:#555;margin-bottom:1em}
table{border-collapse:collapse;background:#fff} th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}
th{position:sticky;top:0;background:#eee} td.num{text-align:right;font-variant-numeric:tabular-nums}
td.thumbs{white-space:nowrap} td.thumbs img{width:160px;height:90px;margin-right:3px;vertical-align:middle;background:#000}
.kind-gradual{color:#b50} .kind-cut{color:#036} a.seek{cursor:pointer}
.figs img{max-width:100%;border:1px solid #ddd;background:#fff;margin:.5em 0}
video{max-width:640px;max-height:360px;background:#000;display:block;margin-bottom:1em}
"""

SCRIPT = """
document.querySelectorAll('a.seek').forEach(function(a){a.addEventListener('click',function(e){
  var v=document.getElementById('player'); if(!v){return;} e.preventDefault();
  v.currentTime=parseFloat(a.dataset.t); v.play().catch(function(){});});});
"""


def render(result: DetectionResult, src: dict[str, str], page_dir: str, title: str | None = None) -> str:
    e = html.escape
    name = os.path.basename(result.video.path)
    href = _video_href(result, page_dir)
    by_frame = {c.frame.frame: c for c in result.cuts}
    rows = []
    for s in result.shots:
        cut = by_frame.get(s.start.frame)
        if cut is None:
            begins = "start"
            cls = ""
        elif cut.is_gradual:
            begins = f"gradual, frames {cut.start.frame}-{cut.end.frame - 1} (score {cut.score:.3f})"
            cls = "kind-gradual"
        else:
            begins = f"cut (score {cut.score:.3f})"
            cls = "kind-cut"
        imgs = "".join(f'<img alt="shot {s.number} frame {k + 1}" src="{e(src[f"shot-{s.number:05d}-{k + 1}.jpg"])}">'
                       for k in range(PER_SHOT))
        t0 = f"{s.start.seconds:.3f}"
        rows.append(
            f'<tr id="shot-{s.number}"><td class="num">{s.number}</td><td class="thumbs">{imgs}</td>'
            f'<td><a class="seek" data-t="{t0}" href="{e(href)}#t={t0}">{e(s.start.timecode)}</a></td>'
            f'<td>{e(s.end.timecode)}</td><td class="num">{s.start.frame}</td><td class="num">{s.end.frame}</td>'
            f'<td class="num">{s.length_frames}</td><td class="num">{s.length_seconds:.3f}</td>'
            f'<td class="{cls}">{e(begins)}</td></tr>')
    gradual = sum(c.is_gradual for c in result.cuts)
    figs = [f'<h2>Score curve</h2><img alt="score curve" src="{e(src["curve.png"])}">']
    if "map.png" in src:
        figs.append(f'<h2>Map of the frames</h2><img alt="map of the frames" src="{e(src["map.png"])}">')
    st = result.settings
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title or name)}: shots</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><h1>{e(title or name)}</h1>
<div class="meta">{result.frames} frames, {e(format_seconds(result.video_end))}, {result.video.fps:.3f} fps nominal;
{len(result.shots)} shots, {len(result.cuts) - gradual} cuts and {gradual} gradual transitions{', truncated video' if result.truncated else ''}.
Encoder {e(str(st.get('encoder')))}, distance {e(str(st.get('distance')))}, thresholder {e(str(st.get('thresholder')))}.</div>
<video id="player" controls preload="metadata" src="{e(href)}"></video>
<table><thead><tr><th>shot</th><th>first, middle, last frame</th><th>start</th><th>end</th><th>start frame</th>
<th>end frame</th><th>frames</th><th>seconds</th><th>begins with</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<div class="figs">{''.join(figs)}</div>
<p class="meta">Frames are 0-based decoded indices; an end frame is the first frame after the shot. Times come from
the frames' presentation timestamps. Made by latentcut.</p>
<script>{SCRIPT}</script>
</body></html>
"""
