import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from latentcut import Embeddings, create_distance
from latentcut.scoring.curves import CurveBuilder, score_curve
import pytest

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process



@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 5)), elements=st.floats(-10, 10, width=32)),
    st.lists(st.integers(1, 7), min_size=1, max_size=8),
    st.integers(2, 6),
)
def test_streaming_equals_one_shot(x, batch_sizes, k):
    dist = create_distance("l1")
    whole = score_curve(Embeddings(x), dist, k)
    b = CurveBuilder(dist, k)
    i = 0
    for bs in itertools.cycle(batch_sizes):
        if i >= len(x):
            break
        part = x[i : i + bs]
        b.update(Embeddings(part), np.arange(i, i + len(part)), np.arange(i, i + len(part)) / 25.0)
        i += len(part)
    streamed = b.finish()
    for name in ("raw", "scores", "span_scores", "path"):
        np.testing.assert_allclose(getattr(streamed, name), getattr(whole, name), rtol=1e-6, atol=1e-9)


def test_robust_score_suppresses_one_frame_flash_but_keeps_cut():
    x = np.zeros((30, 4), np.float32)
    x[15:] = 1.0  # a cut at 15
    x[7] = 5.0  # a one-frame flash
    c = score_curve(Embeddings(x), create_distance("l1"), 4)
    assert c.raw[7] > 1 and c.raw[8] > 1  # the plain curve sees two jumps at the flash
    assert c.scores[7] == 0 and c.scores[8] == 0  # the robust one does not
    assert c.scores[15] == 1.0


def test_straightness_is_one_for_a_dissolve():
    a, b = np.zeros(8, np.float32), np.ones(8, np.float32)
    x = np.stack([a] * 10 + [a + (b - a) * t / 12 for t in range(1, 12)] + [b] * 10)
    c = score_curve(Embeddings(x), create_distance("l1"), 6)
    assert np.allclose(c.straightness[12:20], 1.0)


# -- exact values (each added for a mutant that survived `mutmut run`) --


def E(*rows, lv=None):
    return Embeddings(np.array(rows, np.float32), None if lv is None else np.array(lv, np.float32))


def test_a_thresholder_given_consecutive_distances_finds_the_first_frame_of_the_new_shot():
    """One convention: score i is the change into frame i, from a distance as from a score curve."""
    x = Embeddings(np.r_[np.zeros((10, 2)), np.ones((10, 2))].astype(np.float32))
    from latentcut.detection.thresholders import create_thresholder

    for scores in (create_distance("l1").consecutive(x), score_curve(x, create_distance("l1")).raw):
        assert create_thresholder("top-n,n=1").fit_predict(scores).tolist() == [10]


def test_curve_values_exactly():
    x = E([0], [0], [1], [1], [1], [3])
    c = score_curve(x, create_distance("l1"), span_frames=2)
    assert c.raw.tolist() == [0, 0, 1, 0, 0, 2]
    assert c.span_scores.tolist() == [0, 0, 1, 1, 0, 2]
    assert c.path.tolist() == [0, 0, 1, 1, 0, 2]
    # min(d(i-1,i), d(i-2,i), d(i-1,i+1)); the last frame has no i+1 and the first two no i-2
    assert c.scores.tolist() == [0, 0, 1, 0, 0, 2]
    assert c.straightness.tolist() == [0, 0, 1, 1, 0, 1]
    flash = score_curve(E([0], [0], [5], [0], [0]), create_distance("l1"), span_frames=2)
    assert flash.raw.tolist() == [0, 0, 5, 5, 0] and flash.scores.tolist() == [0, 0, 0, 0, 0]
    assert len(c) == 6 and c.span_frames == 2 and c.indices.tolist() == list(range(6))


def test_curve_builder_rules():
    with pytest.raises(ValueError, match="span_frames must be >= 2"):
        CurveBuilder(create_distance("l1"), 1)
    b = CurveBuilder(create_distance("l1"), 2)
    b.update(E([0], [1]), np.array([0, 1]), np.array([0.0, 0.5]))
    b.update(Embeddings(np.zeros((0, 1), np.float32)), np.zeros(0), np.zeros(0))
    from latentcut.errors import EmbeddingError

    with pytest.raises(EmbeddingError, match="changed mid-video"):
        b.update(E([0, 1]), np.array([2]), np.array([1.0]))
    c = b.finish()
    assert c.times.tolist() == [0.0, 0.5] and c.raw.tolist() == [0, 1]
    empty = CurveBuilder(create_distance("l1"), 3).finish()
    assert len(empty) == 0 and empty.scores.size == 0
    kl = score_curve(E([0], [2], lv=[[0], [0]]), create_distance("gaussian-kl"), 2)
    assert kl.raw.tolist() == pytest.approx([0, np.sqrt(2.0)])  # sqrt(KL): linear units


def test_curve_defaults_dtypes_and_short_videos():
    assert CurveBuilder(create_distance("l1")).span_frames == 12
    x = E([0], [1], [1])
    c = score_curve(x, create_distance("l1"))
    assert c.span_frames == 12 and c.times.dtype == np.float64 and c.times.tolist() == [0.0, 1.0, 2.0]
    assert c.indices.tolist() == [0, 1, 2]
    assert c.scores.tolist() == [0, 1, 0]  # frame 2: min(d(1,2)=0, d(0,2)=1); frame 1: min(d(0,1)=1, d(0,2)=1)
    c3 = score_curve(E([0], [1], [3]), create_distance("l1"), 2)
    assert c3.scores.tolist() == [0, 1, 2]  # min(d(i-1,i), d(i-2,i), d(i-1,i+1)) with what exists
    c4 = score_curve(E([0], [1], [3], [3]), create_distance("l1"), 2)
    assert c4.scores.tolist() == [0, 1, 2, 0]
    t = score_curve(x, create_distance("l1"), 2, indices=np.array([5, 6, 7]), times=np.array([1, 2, 4], np.int64))
    assert t.indices.tolist() == [5, 6, 7] and t.times.tolist() == [1.0, 2.0, 4.0] and t.times.dtype == np.float64
    e = CurveBuilder(create_distance("l1"), 3).finish()
    assert [len(getattr(e, k)) for k in ("raw", "scores", "span_scores", "path", "indices", "times")] == [0] * 6
    assert e.indices.dtype == np.int64


def test_streaming_many_small_batches_equals_one_shot():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(23, 3)).astype(np.float32)
    whole = score_curve(Embeddings(x), create_distance("l2"), 5)
    b = CurveBuilder(create_distance("l2"), 5)
    for i in range(0, 23, 2):
        b.update(Embeddings(x[i : i + 2]), np.arange(i, min(i + 2, 23)), np.arange(i, min(i + 2, 23)) / 10)
    s = b.finish()
    for k in ("raw", "scores", "span_scores", "path"):
        np.testing.assert_allclose(getattr(s, k), getattr(whole, k), rtol=1e-12)


def test_an_empty_builder_keeps_its_span():
    assert CurveBuilder(create_distance("l1"), 3).finish().span_frames == 3


def test_contrast_is_kept_as_float32_and_an_empty_curve_has_an_empty_one():
    x = Embeddings(np.arange(6, dtype=np.float32).reshape(3, 2))
    c = score_curve(x, create_distance("l1"), 2, contrast=np.array([0.5, 0.25, 0.125]))
    assert c.contrast.dtype == np.float32 and c.contrast.tolist() == [0.5, 0.25, 0.125]
    e = CurveBuilder(create_distance("l1"), 3).finish().contrast
    assert isinstance(e, np.ndarray) and e.shape == (0,) and e.dtype == np.float32
