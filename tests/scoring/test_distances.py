import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from latentcut import Embeddings, create_distance, list_distances
from latentcut.errors import EmbeddingError, PluginError
from latentcut.scoring.distances import gaussian_kl

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process


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
        np.testing.assert_allclose(d.consecutive(bank, 2), np.r_[0, 0, d.pairwise(bank[:2], bank[2:])])


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


# -- gaussian_kl exact in float64 (issue 22) ----------------------------------------------------------


def _one(v):
    return np.array([[float(v)]])


def _kl(mp, lp, mq, lq, clip=None):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warning on the way
        return float(gaussian_kl(_one(mp), _one(lp), _one(mq), _one(lq), logvar_clip=clip)[0])


def test_gaussian_kl_refuses_nan_and_infinity_naming_the_argument():
    for i, name in enumerate(("mu_p", "lv_p", "mu_q", "lv_q")):
        for bad in (np.nan, np.inf, -np.inf):
            args = [_one(0.0) for _ in range(4)]
            args[i] = _one(bad)
            with pytest.raises(EmbeddingError) as e:
                gaussian_kl(*args)
            assert str(e.value) == f"gaussian_kl: {name} holds NaN or infinite values"


def test_gaussian_kl_is_exact_past_the_old_clip_and_for_huge_means():
    assert _kl(0, 50, 1, -50) == pytest.approx(0.5 * (np.exp(100.0) + np.exp(50.0) - 100 - 1), rel=1e-12)
    assert _kl(0, 50, 1, -50, clip=30) == pytest.approx(0.5 * (np.exp(60.0) + np.exp(30.0) - 60 - 1), rel=1e-12)
    assert _kl(0, 50, 1, -50, clip=0.5) == pytest.approx(0.5 * (np.exp(1.0) + np.exp(0.5) - 1 - 1), rel=1e-12)
    # a squared mean difference past float64, its KL within it (the log route)
    assert _kl(1e154, 0, -1e154, 10) == pytest.approx(2 * (1e308 * np.exp(-10.0)), rel=1e-9)
    assert _kl(3e153, 0, 1e153, 10) == pytest.approx(0.5 * (4e306 * np.exp(-10.0)), rel=1e-9)
    assert _kl(1e308, 0, -1e308, 1e308) == pytest.approx(0.5e308, rel=1e-12)
    # e^-lv_q past float64 with a tiny mean difference: 0.5 * 1e-6 * e^720, about 1.5e306
    assert _kl(1e-3, -720, 0, -720) == pytest.approx(0.5 * np.exp(720 + 2 * np.log(1e-3)), rel=1e-9)
    assert _kl(0, -1000, 0, -1000) == 0.0  # 0 x e^1000 is 0, not NaN
    # only what is past float64 is inf
    assert _kl(0, 1e308, 0, -1e308) == np.inf
    assert _kl(1e308, 0, -1e308, -10) == np.inf
    assert _kl(0.5, -1000, 0, -1000) == np.inf


def test_the_kl_distances_clip_visibly():
    d = create_distance("gaussian-kl")
    assert d.get_params() == {"logvar_clip": 30.0} and create_distance("symmetric-kl").get_params() == {"logvar_clip": 30.0}
    a, b = Embeddings(_one(0), _one(50)), Embeddings(_one(1), _one(-50))
    assert d.pairwise(a, b)[0] == pytest.approx(_kl(0, 50, 1, -50, clip=30), rel=1e-12)
    exact = create_distance("gaussian-kl,logvar_clip=None")
    assert exact.get_params() == {"logvar_clip": None}
    assert exact.pairwise(a, b)[0] == pytest.approx(_kl(0, 50, 1, -50), rel=1e-12)
    assert create_distance("gaussian-kl,logvar_clip=0.5").pairwise(a, b)[0] == pytest.approx(_kl(0, 50, 1, -50, clip=0.5))
    far, near = Embeddings(_one(0), _one(1e308)), Embeddings(_one(0), _one(-1e308))
    huge = np.finfo(np.float64).max
    assert exact.pairwise(far, near)[0] == huge  # capped: a curve stays finite
    assert create_distance("symmetric-kl,logvar_clip=None").pairwise(far, near)[0] == huge
    for bad in ("0", "-1"):
        with pytest.raises(PluginError) as e:
            create_distance(f"gaussian-kl,logvar_clip={bad}")
        assert str(e.value) == f"bad value for distance 'gaussian-kl': logvar_clip must be > 0 or None (exact), not {bad}"


# -- exact values (each added for a mutant that survived `mutmut run`) --


def E(*rows, lv=None):
    return Embeddings(np.array(rows, np.float32), None if lv is None else np.array(lv, np.float32))


def test_distance_values_exactly():
    a, b = E([0, 0, 0, 0]), E([1, 2, 0, -3])
    assert create_distance("l1").pairwise(a, b)[0] == pytest.approx(6 / 4)
    assert create_distance("l2").pairwise(a, b)[0] == pytest.approx(np.sqrt(14 / 4))
    assert create_distance("cosine").pairwise(E([1, 0]), E([0, 1]))[0] == pytest.approx(1.0)
    assert create_distance("cosine").pairwise(E([1, 1]), E([-1, -1]))[0] == pytest.approx(2.0)
    assert create_distance("cosine").pairwise(E([1, 0]), E([2, 0]))[0] == pytest.approx(0.0)
    assert create_distance("cosine").pairwise(E([0, 0]), E([0, 0]))[0] == 0.0
    assert create_distance("cosine").pairwise(E([0, 0]), E([1, 0]))[0] == 1.0
    p, q = E([0.0], lv=[[0.0]]), E([1.0], lv=[[np.log(4.0)]])
    # KL(N(0,1) || N(1,4)) = 0.5 (log 4 + 1/4 + 1/4 - 1)
    assert create_distance("gaussian-kl").pairwise(p, q)[0] == pytest.approx(0.5 * (np.log(4) + 0.5 - 1))
    rev = 0.5 * (-np.log(4) + 4 + 1 - 1)
    assert create_distance("gaussian-kl").pairwise(q, p)[0] == pytest.approx(rev)
    assert create_distance("symmetric-kl").pairwise(p, q)[0] == pytest.approx(0.5 * (np.log(4) + 0.5 - 1) + rev)


def test_distance_degrees_and_linear_units():
    d = np.array([4.0, 9.0, -1.0])
    assert create_distance("gaussian-kl").linear(d).tolist() == [2.0, 3.0, 0.0]
    assert create_distance("symmetric-kl").degree == 2 and create_distance("l1").degree == 1
    assert create_distance("l1").linear(d) is d
    assert create_distance("gaussian-kl").uses_variance and not create_distance("l2").uses_variance
    assert not create_distance("gaussian-kl").symmetric and create_distance("symmetric-kl").symmetric


def test_consecutive_gaps_and_pairing_rules():
    x = E([0], [1], [3], [6])
    l1 = create_distance("l1")
    assert l1.consecutive(x).tolist() == [0, 1, 2, 3]
    assert l1.consecutive(x, 2).tolist() == [0, 0, 3, 5]
    assert l1.consecutive(x, 4).tolist() == [0, 0, 0, 0] and l1.consecutive(x, 3).tolist() == [0, 0, 0, 6]
    assert l1.consecutive(x[:0]).tolist() == []
    for bad in (0, 1.0, True):
        with pytest.raises(ValueError, match="lag must be a whole number >= 1"):
            l1.consecutive(x, bad)
    with pytest.raises(ValueError, match="cannot pair"):
        l1.pairwise(E([0], [1]), E([0], [1], [2]))
    with pytest.raises(ValueError, match="one query row"):
        l1.one_to_many(x, x)
    assert l1.one_to_many(E([1]), x).tolist() == [1, 0, 2, 5]
    assert l1.pairwise(E([1]), x).tolist() == [1, 0, 2, 5]


def test_distance_precision_is_float64_throughout():
    rng = np.random.default_rng(3)
    a = (rng.normal(size=(4, 513)) * 1e3 + 1e4).astype(np.float32)
    b = (a + rng.normal(size=a.shape).astype(np.float32) * 1e-2).astype(np.float32)
    A, B = a.astype(np.float64), b.astype(np.float64)
    got = create_distance("l1").pairwise(Embeddings(a), Embeddings(b))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, np.abs(A - B).mean(1), rtol=1e-12)
    got = create_distance("l2").pairwise(Embeddings(a), Embeddings(b))
    np.testing.assert_allclose(got, np.sqrt(((A - B) ** 2).sum(1) / 513), rtol=1e-12)
    got = create_distance("cosine").pairwise(Embeddings(a), Embeddings(b))
    ref = 1 - (A * B).sum(1) / np.linalg.norm(A, axis=1) / np.linalg.norm(B, axis=1)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-15)
    lv = (rng.normal(size=a.shape) * 0.1).astype(np.float32)
    from latentcut.scoring.distances import gaussian_kl

    got = gaussian_kl(a, lv, b, lv[::-1].copy())
    L1, L2 = lv.astype(np.float64), lv[::-1].astype(np.float64)
    ref = 0.5 * (np.expm1(L1 - L2) - (L1 - L2) + (A - B) ** 2 * np.exp(-L2)).sum(-1)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    # the sum is over the last axis, whatever the leading ones
    three = gaussian_kl(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)), np.ones((2, 3, 4)), np.zeros((2, 3, 4)))
    assert three.shape == (2, 3) and np.all(three == 2.0)


def test_cosine_edge_cases_exactly_and_without_warnings():
    import warnings

    cos = create_distance("cosine")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = cos.pairwise(E([0, 0], [0, 0], [3, 4], [0.1, 0]), E([0, 0], [1, 0], [0, 0], [0.2, 0]))
    assert d.tolist() == [0.0, 1.0, 1.0, 0.0]
    # tiny vectors (|a||b| < 1) are compared by direction, not magnitude
    assert cos.pairwise(E([0.01, 0]), E([0.0, 0.02]))[0] == pytest.approx(1.0)
    assert cos.pairwise(E([0.01, 0.01]), E([-0.02, -0.02]))[0] == pytest.approx(2.0)
    assert cos.pairwise(E([3, 0]), E([0.5, 0.5]))[0] == pytest.approx(1 - 1 / np.sqrt(2))
    assert cos.pairwise(E([2, 1]), E([-2, -1.0]))[0] == pytest.approx(2.0)
    assert cos.pairwise(E([2, 1]), E([-2, -1.0]))[0] <= 2.0  # clipped at 2, never above
    v = [1.3040000200271606, 0.9470809698104858, -0.7037352323532104]  # similarity rounds to just above 1
    assert cos.pairwise(E(v), E(v))[0] == 0.0


def test_distance_plugin_plumbing():
    d = create_distance("l1")
    assert d.get_params() == {} and repr(d) == "l1"
    assert d.set_params() is d
    with pytest.raises(ValueError, match="has no parameter 'x'"):
        d.set_params(x=1)
    from latentcut.errors import PluginError

    with pytest.raises(PluginError, match="bad parameters for distance 'l1'"):
        create_distance("l1", x=1)
    assert create_distance(d) is d
