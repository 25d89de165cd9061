"""Picture-in-picture queries: few false alarms on real frames, and the library searching the inset."""
import glob
import os

import numpy as np
import pytest
from conftest import SHARED
from test_insets import pip, shapes, smooth

from latentcut.retrieval.insets import find_inset


@pytest.mark.skipif(not os.path.isdir(SHARED), reason="../shared is not available")
def test_real_frames_are_rarely_taken_for_an_inset():
    """The false alarms that would send a corner of a whole screenshot to the search."""
    from latentcut import VideoReader

    frames = []
    for c in sorted(glob.glob(os.path.join(SHARED, "data", "clips", "*"))):
        batch = next(iter(VideoReader(c, size=(270, 480), batch_size=40, stride=10).batches()))  # 16 s of each
        frames += [f for f in batch.frames if f.std() > 3]
    alarms = sum(find_inset(f) is not None for f in frames)
    assert len(frames) > 100
    assert alarms / len(frames) < 0.08, (alarms, len(frames))  # 6% on these (docs/retrieval.md)


def test_the_library_searches_the_inset(tmp_path):
    from latentcut.retrieval.embedding import embed_pictures
    from latentcut.retrieval.library import SceneLibrary

    a, b = shapes(270, 480, 11) // 3, smooth(270, 480, 12) // 2 + 128
    lib = SceneLibrary(str(tmp_path / "lib"), encoder="pixel,size=16,center=false")
    vecs = embed_pictures(lib.encoder(), [a, b])
    lib.add_rows("/videos/v.mp4", "v" * 64, (24.0, 48, 2.0), [(1, 0, 24, 0.0, 1.0, b""), (2, 24, 48, 1.0, 2.0, b"")],
                 np.array([0, 1]), np.array([10, 30]), np.array([0.4, 1.25]), vecs)
    query, _ = pip(b, a, 0.4, False, False)
    with_insets = lib.query_pictures([query], k=2)[0]
    assert with_insets[0].shot == 1 and with_insets[0].inset
    assert with_insets[0].to_dict()["inset"] is True
    without = lib.query_pictures([query], k=2, insets=False)[0]
    assert without[0].shot == 2 and not without[0].inset
    plain = lib.query_pictures([b], k=2)[0]  # no inset: the whole picture only
    assert plain[0].shot == 2 and not plain[0].inset
    with pytest.raises(TypeError, match="insets"):
        lib.query_pictures([query], insets="yes")
