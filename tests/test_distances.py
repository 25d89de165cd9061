import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from latentcut import Embeddings, create_distance, list_distances
from latentcut.errors import EmbeddingError, PluginError
from latentcut.scoring.distances import gaussian_kl

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)
logvars = st.floats(-40, 40, allow_nan=False, width=32)


def emb_pair(n_max=6, d_max=8, lv=True):
    @st.composite
    def build(draw):
        n = draw(st.integers(1, n_max))
        d = draw(st.integers(1, d_max))
        m1 = draw(arrays(np.float32, (n, d), elements=finite))
        m2 = draw(arrays(np.float32, (n, d), elements=finite))
        if not lv:
            return Embeddings(m1), Embeddings(m2)
        l1 = draw(arrays(np.float32, (n, d), elements=logvars))
        l2 = draw(arrays(np.float32, (n, d), elements=logvars))
        return Embeddings(m1, l1), Embeddings(m2, l2)

    return build()


@given(emb_pair())
def test_gaussian_kl_non_negative_finite_and_zero_on_identity(pair):
    a, b = pair
    kl = create_distance("gaussian-kl").pairwise(a, b)
    assert np.all(kl >= 0) and not np.isnan(kl).any()
    assert np.allclose(create_distance("gaussian-kl").pairwise(a, a), 0.0, atol=1e-9)


@given(emb_pair())
def test_symmetric_kl_is_symmetric(pair):
    a, b = pair
    d = create_distance("symmetric-kl")
    np.testing.assert_allclose(d.pairwise(a, b), d.pairwise(b, a), rtol=1e-9)


@pytest.mark.parametrize("name", ["l1", "l2"])
@settings(max_examples=60)
@given(data=st.data())
def test_l1_l2_are_metrics(name, data):
    d = data.draw(st.integers(1, 6))
    rows = [data.draw(arrays(np.float32, (1, d), elements=st.floats(-100, 100, width=32))) for _ in range(3)]
    x, y, z = (Embeddings(r.astype(np.float64)) for r in rows)
    dist = create_distance(name)
    dxy, dyx, dxz, dyz = (float(dist.pairwise(p, q)[0]) for p, q in ((x, y), (y, x), (x, z), (y, z)))
    assert dxy >= 0
    assert dxy == pytest.approx(dyx)
    assert float(dist.pairwise(x, x)[0]) == 0.0
    assert dxz <= dxy + dyz + 1e-9 * (1 + dxy + dyz)
    if not np.array_equal(x.mean, y.mean):
        assert dxy > 0


def test_kl_matches_closed_form_and_direction():
    # KL(N(0,1) || N(1, e^2)) = 0.5 * (2 + (1 + 1) / e^2 - 1)
    kl = gaussian_kl(np.array([[0.0]]), np.array([[0.0]]), np.array([[1.0]]), np.array([[2.0]]))
    assert kl[0] == pytest.approx(0.5 * (2 + 2 / np.e**2 - 1))
    a = Embeddings(np.zeros((1, 1)), np.zeros((1, 1)))
    b = Embeddings(np.ones((1, 1)), np.full((1, 1), 2.0))
    assert create_distance("gaussian-kl").pairwise(a, b)[0] == pytest.approx(kl[0])
    assert create_distance("gaussian-kl").pairwise(b, a)[0] != pytest.approx(kl[0])


def test_kl_extreme_logvariances_stay_finite():
    m = np.zeros((2, 3))
    lv = np.array([[1e4, -1e4, 0.0], [-80.0, 80.0, 3.0]])
    out = create_distance("symmetric-kl").pairwise(Embeddings(m, lv), Embeddings(m + 1, -lv))
    assert np.isfinite(out).all() and (out >= 0).all()


def test_unit_variance_kl_is_half_squared_euclidean():
    a, b = Embeddings(np.array([[0.0, 0.0]])), Embeddings(np.array([[3.0, 4.0]]))
    assert create_distance("gaussian-kl").pairwise(a, b)[0] == pytest.approx(12.5)


def test_cosine_range_and_zero_vectors():
    d = create_distance("cosine")
    a = Embeddings(np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]]))
    b = Embeddings(np.array([[-1.0, 0.0], [0.0, 0.0], [2.0, 2.0]]))
    np.testing.assert_allclose(d.pairwise(a, b), [2.0, 0.0, 0.0], atol=1e-12)


def test_one_to_many_and_consecutive():
    bank = Embeddings(np.arange(12, dtype=float).reshape(4, 3))
    q = bank[1]
    for name in list_distances():
        d = create_distance(name)
        np.testing.assert_allclose(d.one_to_many(q, bank), [d.pairwise(q, bank[j])[0] for j in range(4)])
        np.testing.assert_allclose(d.consecutive(bank, 2), d.pairwise(bank[:2], bank[2:]))


def test_bad_embeddings_are_refused_clearly():
    with pytest.raises(EmbeddingError, match="NaN or infinite"):
        Embeddings(np.array([[0.0, np.nan]]))
    with pytest.raises(EmbeddingError, match="infinite"):
        Embeddings(np.array([[0.0, 1.0]]), np.array([[np.inf, 0.0]]))
    with pytest.raises(EmbeddingError, match="sizes differ: 3 vs 2"):
        create_distance("l1").pairwise(Embeddings(np.zeros((1, 3))), Embeddings(np.zeros((1, 2))))
    with pytest.raises(EmbeddingError, match="does not match"):
        Embeddings(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(PluginError, match="unknown distance 'manhattan'"):
        create_distance("manhattan")
