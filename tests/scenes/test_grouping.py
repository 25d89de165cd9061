"""Shots -> scenes: links, shot vectors, thresholds and memory. Each exact assertion was added for a mutant that survived ``mutmut run``
(docs/testing.md).
"""
import numpy as np
import pytest

from latentcut import Embeddings
from latentcut.scenes.grouping import SceneGroup, group_shots

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process


def test_grouping_links_exactly():
    a, b, c = np.eye(3)
    v = np.stack([a, b, a, b, c, c])
    g = group_shots(v, threshold=0.1, memory=4)
    assert [x.shots for x in g] == [[1, 2, 3, 4], [5, 6]]
    assert [x.number for x in g] == [1, 2]
    assert [x.shots for x in group_shots(v, threshold=0.1, memory=1)] == [[1], [2], [3], [4], [5, 6]]
    assert [x.shots for x in group_shots(v, threshold=1.0, memory=1)] == [[1, 2, 3, 4, 5, 6]]
    assert group_shots(np.zeros((0, 3))) == []
    assert [x.shots for x in group_shots(v[:1])] == [[1]]
    with pytest.raises(ValueError, match="strictness"):
        group_shots(v, strictness=1.5)
    # strictness 0 -> the largest neighbour distance links everything; 1 -> the smallest
    assert len(group_shots(v, strictness=0.0, memory=1)) == 1
    assert len(group_shots(v, strictness=1.0, memory=1)) == 5
    assert SceneGroup(2, [3, 4]).to_dict() == {"scene": 2, "shots": [3, 4]}


def test_grouping_shot_vectors_and_dicts():
    from types import SimpleNamespace as NS

    from latentcut.io.timecode import Timecode
    from latentcut.scenes.grouping import shot_vectors

    scenes = [NS(start=Timecode(0, 0.0), end=Timecode(3, 1.5)), NS(start=Timecode(3, 1.5), end=Timecode(5, 2.5)),
              NS(start=Timecode(5, 2.5), end=Timecode(6, 3.1234567))]
    emb = Embeddings(np.array([[3, 0], [3, 0], [3, 0], [0, 2], [0, 4], [1, 1]], np.float32))
    curve = NS(indices=np.array([0, 1, 2, 3, 4, 5]))
    r = NS(embeddings=emb, curve=curve, shots=scenes)
    v = shot_vectors(r)
    np.testing.assert_allclose(v, [[1, 0], [0, 1], [2 ** -0.5, 2 ** -0.5]])
    # a shot with no analysed frame (stride) takes the nearest frame's embedding
    r2 = NS(embeddings=Embeddings(np.array([[1, 0], [0, 5]], np.float32)), curve=NS(indices=np.array([0, 4])),
            shots=[NS(start=Timecode(0, 0), end=Timecode(2, 1)), NS(start=Timecode(2, 1), end=Timecode(3, 1.5)),
                    NS(start=Timecode(3, 1.5), end=Timecode(6, 3))])
    np.testing.assert_allclose(shot_vectors(r2), [[1, 0], [1, 0], [0, 1]])
    zero = NS(embeddings=Embeddings(np.zeros((2, 2), np.float32)), curve=NS(indices=np.array([0, 1])),
              shots=[NS(start=Timecode(0, 0), end=Timecode(2, 1))])
    assert shot_vectors(zero).tolist() == [[0.0, 0.0]]
    with pytest.raises(ValueError, match="no embeddings: detect"):
        shot_vectors(NS(embeddings=None))
    assert SceneGroup(1, [2, 3]).to_dict(r) == {"scene": 1, "shots": [2, 3], "start_frame": 3, "end_frame": 6,
                                                "start_time": 1.5, "end_time": 3.123457}
    assert SceneGroup(1, [1]).to_dict(r)["end_frame"] == 3


def test_group_shots_thresholds_and_memory():
    v = np.array([[1, 0], [0, 1], [1, 0], [0.8, 0.6], [0, 1]])
    # distances: 1-3 and 2-5 are 0; 3-4 and 1-4 are 0.2; neighbours 1, 1, 0.2, 0.4
    assert [g.shots for g in group_shots(v, strictness=0.5, memory=4)] == [[1, 2, 3, 4, 5]]
    assert [g.shots for g in group_shots(v, threshold=0.2, memory=4)] == [[1, 2, 3, 4, 5]]  # 2-5 spans 3 shots
    assert [g.shots for g in group_shots(v, threshold=0.2, memory=2)] == [[1, 2, 3, 4], [5]]
    assert [g.shots for g in group_shots(v, threshold=0.19, memory=2)] == [[1, 2, 3], [4], [5]]
    assert [g.shots for g in group_shots(v, threshold=0.2, memory=1)] == [[1], [2], [3, 4], [5]]
    assert [g.shots for g in group_shots(v, threshold=0.0, memory=3)] == [[1, 2, 3, 4, 5]]
    assert [g.shots for g in group_shots(v, threshold=0.0, memory=2)] == [[1, 2, 3], [4], [5]]
    assert [g.shots for g in group_shots(v, threshold=0.0, memory=1)] == [[1], [2], [3], [4], [5]]
    assert [g.shots for g in group_shots(v, strictness=1.0, memory=1)] == [[1], [2], [3, 4], [5]]
    assert [g.number for g in group_shots(v, threshold=0.0, memory=1)] == [1, 2, 3, 4, 5]
    assert group_shots(v[:1], strictness=0.3)[0].shots == [1]
    with pytest.raises(ValueError, match="within 0..1, not -0.1"):
        group_shots(v, strictness=-0.1)


def test_shot_vectors_scene_dicts_and_memory_details():
    from types import SimpleNamespace as NS

    from latentcut.io.timecode import Timecode
    from latentcut.scenes.grouping import shot_vectors

    # shot vectors: frames from the first of the shot, the mean (not the nearest frame), float64, unit length
    scenes = [NS(start=Timecode(0, 0.0), end=Timecode(2, 1.0)), NS(start=Timecode(2, 1.23456789), end=Timecode(3, 1.5)),
              NS(start=Timecode(3, 1.5), end=Timecode(6, 3.0))]
    emb = Embeddings(np.array([[0.3, 0], [0, 0.4], [0.3, 0.4], [-1, 0], [0, 1]], np.float32))
    r = NS(embeddings=emb, curve=NS(indices=np.array([0, 1, 2, 4, 5])), shots=scenes)
    v = shot_vectors(r)
    assert v.dtype == np.float64
    np.testing.assert_allclose(v, [[0.6, 0.8], [0.6, 0.8], [-(2 ** -0.5), 2 ** -0.5]])
    r.curve = NS(indices=np.array([0, 1, 2, 5, 9]))
    scenes[2] = NS(start=Timecode(4, 1.5), end=Timecode(5, 2.0))  # no frame inside: the nearest one, frame 5
    np.testing.assert_allclose(shot_vectors(r)[2], [-1, 0])
    with pytest.raises(ValueError, match=r"^the result has no embeddings: detect\(\.\.\., keep_embeddings=True\)$"):
        shot_vectors(NS(embeddings=None))
    assert SceneGroup(1, [2]).to_dict(r)["start_time"] == 1.234568
    # group_shots: default memory 4 (a link back 4 shots, not 5)
    a, b = np.eye(2)
    v5 = np.stack([a, b, b, b, b, a])
    assert [g.shots for g in group_shots(v5, threshold=0.0)] == [[1], [2, 3, 4, 5], [6]]
    v4 = np.stack([a, b, b, b, a])
    assert [g.shots for g in group_shots(v4, threshold=0.0)] == [[1, 2, 3, 4, 5]]
    assert [g.shots for g in group_shots(np.eye(2), threshold=0.0)] == [[1], [2]]
    assert [(g.number, g.shots) for g in group_shots(np.eye(2)[:1])] == [(1, [1])]
