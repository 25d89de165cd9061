import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from latentcut import Embeddings, create_distance
from latentcut.scoring.curves import CurveBuilder, score_curve


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
