"""Assertions that pin the core's arithmetic exactly. Each was added for a mutant that survived
``mutmut run`` (docs/testing.md): a change to any operator, constant or
branch here must fail a test."""
import numpy as np
import pytest
import torch

from latentcut import Embeddings, create_distance, create_thresholder
from latentcut.detection.spacing import select_spaced
from latentcut.detection.thresholders import local_maxima, kmeans_1d_split, local_contrast
from latentcut.detection.transitions import Boundary, _merge, runs, find_span_boundaries
from latentcut.encoders.vae import VAEConfig
from latentcut.encoders.vae.loss import kl_diag, moment_matched_mean, vae_loss
from latentcut.errors import ThresholdError
from latentcut.evaluation import BoundaryScores, Interval, accuracy_at_n, evaluate, match
from latentcut.evaluation.labels import ClipLabels, clip_from_dict
from latentcut.scenes.grouping import SceneGroup, group_shots
from latentcut.scoring.curves import CurveBuilder, score_curve

# -- distances ---------------------------------------------------------------------------------------


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


def test_a_thresholder_given_consecutive_distances_finds_the_first_frame_of_the_new_shot():
    """One convention: score i is the change into frame i, from a distance as from a score curve."""
    x = Embeddings(np.r_[np.zeros((10, 2)), np.ones((10, 2))].astype(np.float32))
    from latentcut.detection.thresholders import create_thresholder

    for scores in (create_distance("l1").consecutive(x), score_curve(x, create_distance("l1")).raw):
        assert create_thresholder("top-n,n=1").fit_predict(scores).tolist() == [10]


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


# -- score curves --------------------------------------------------------------------------------------


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


# -- thresholders ----------------------------------------------------------------------------------------


def test_kmeans_split_is_the_centroid_midpoint_of_the_best_split():
    assert kmeans_1d_split(np.array([0, 1, 2, 3, 20, 21.0])) == pytest.approx((1.5 + 20.5) / 2)
    assert kmeans_1d_split(np.array([5, 0.0])) == pytest.approx(2.5)
    assert kmeans_1d_split(np.array([1.0])) is None and kmeans_1d_split(np.array([2.0, 2.0])) is None
    assert kmeans_1d_split(np.array([0, 0, 0, 10.0])) == pytest.approx(5.0)
    assert kmeans_1d_split(np.array([0, 10, 10, 10, 11.0])) == pytest.approx((0 + 10.25) / 2)


def test_select_spaced_strongest_first_and_limits():
    s = np.array([0, 5, 9, 1, 0, 0, 7, 0.0])
    assert select_spaced(np.array([1, 2, 3, 6]), s, 2).tolist() == [2, 6]
    assert select_spaced(np.array([1, 2, 3, 6]), s, 1).tolist() == [1, 2, 3, 6]
    assert select_spaced(np.array([1, 2, 6]), s, 1, limit=2).tolist() == [2, 6]
    assert select_spaced(np.array([1, 2, 6]), s, 5).tolist() == [2]
    assert select_spaced(np.array([1, 3]), np.array([0, 4, 0, 4.0]), 2).tolist() == [1, 3]
    assert select_spaced(np.array([1, 2]), np.array([0, 4, 4.0]), 2).tolist() == [1]  # tie: the earlier
    assert select_spaced(np.zeros(0, np.int64), s, 3).tolist() == []


def test_local_contrast_exactly():
    s = np.array([9, 1, 1, 1, 8, 1, 1, 2, 1, 1.0])
    c = local_contrast(s, 3, floor=0.5)
    # frame 4: neighbours 1..7 without 3..5 -> {1, 1, 1, 2}: second largest 1
    assert c[4] == pytest.approx(8 / (1 + 0.5))
    assert c[0] == 0.0  # scores[0] is never a change
    # frame 7: window 4..10 without 6..8 -> {8, 1, 1, 1}: second largest 1
    assert c[7] == pytest.approx(2 / 1.5)
    auto = local_contrast(np.array([0, 1, 0, 0, 0, 0, 0, 0.0]), 2)
    assert auto[1] == pytest.approx(1 / (0.05 * np.percentile([1, 0, 0, 0, 0, 0, 0], 99)))


def test_adaptive_decision_values_exactly():
    s = np.zeros(40)
    s[20] = 0.8
    thr = create_thresholder("adaptive,window=3")
    d = thr.decision_function(s, fps=25, scale=1.0)
    con = 0.8 / (0.25 * 0.1)
    assert d[20] == pytest.approx(max(min(con / 1.5, 0.8 / 0.4), min(con / 5.0, 0.8 / 0.1)))
    assert d[0] == 0 and d[5] == 0
    assert thr.fit(s).threshold_ == 1.0
    assert thr.fit_predict(s, fps=25, scale=1.0).tolist() == [20]
    s[20] = 0.039  # below weak_score 0.1 x scale... and min_score: no cut
    assert thr.fit_predict(s, fps=25, scale=1.0).tolist() == []
    s[20] = 0.5  # a weak cut from a still neighbourhood: 0.5 >= 0.1 and contrast >= 5
    s[10] = 0.3
    assert thr.fit_predict(s, fps=25, scale=1.0).tolist() == [10, 20]
    assert thr._window(25) == 3 and create_thresholder("adaptive,window=0.5")._window(20) == 10
    assert create_thresholder("adaptive,window=0.01")._window(25) == 3
    noscale = create_thresholder("adaptive").decision_function(s, fps=25)
    assert noscale[20] > 1  # relative to the curve's own 99.5th percentile
    assert create_thresholder("adaptive").decision_function(np.array([1.0])).tolist() == [0.0]


def test_fixed_top_n_and_predict_before_fit():
    s = np.array([0, 0.2, 0.05, 0.3, 0.1])
    fixed = create_thresholder("fixed,value=0.1,min_shot_len=1")
    assert fixed.fit_predict(s).tolist() == [1, 3, 4]
    assert fixed.threshold_ == 0.1
    assert create_thresholder("fixed,value=0.3,min_shot_len=1").fit_predict(s).tolist() == [3]
    top = create_thresholder("top-n,n=2,min_shot_len=1").fit(s)
    assert top.cuts_.tolist() == [1, 3] and top.threshold_ == 0.2
    assert create_thresholder("top-n,n=0").fit(s).threshold_ == float("inf")
    with pytest.raises(ThresholdError, match="call fit"):
        create_thresholder("fixed").predict(s)
    zero = create_thresholder("fixed,value=0,min_shot_len=1")
    assert zero.fit_predict(np.array([0, 0, 1.0])).tolist() == [2]  # a zero score is never a cut


def test_kmeans_threshold_split_and_floor():
    s = np.zeros(200)
    s[[20, 60, 100, 140]] = [2.0, 2.2, 2.4, 2.1]
    s[[40, 80, 120]] = 0.6  # weaker peaks, well apart from the strong ones
    km = create_thresholder("kmeans,window=5")
    d = km.decision_function(s, fps=25, scale=1.0)
    km.fit(s, fps=25, scale=1.0)
    lo, hi = np.log(d[[40, 80, 120]]), np.log(d[[20, 60, 100, 140]])
    assert km.threshold_ == pytest.approx(float(np.clip(np.exp((lo.mean() + hi.mean()) / 2), 0.5, 2.0)))
    assert local_maxima(np.array([0, 1, 1, 0, 2, 0.0])).tolist() == [2, 4]
    assert local_maxima(np.array([5.0])).tolist() == []


# -- transitions -------------------------------------------------------------------------------------------


def test_runs_and_merge():
    assert runs(np.array([0, 1, 1, 0, 1, 0, 0, 1], bool)) == [(1, 2), (4, 4), (7, 7)]
    assert runs(np.zeros(3, bool)) == []
    merged = _merge([Boundary(10, 14, 1.0, "gradual"), Boundary(15, 20, 2.0, "gradual"), Boundary(30, 30, 1.0, "cut")])
    assert merged == [Boundary(10, 20, 2.0, "gradual"), Boundary(30, 30, 1.0, "cut")]
    assert _merge([Boundary(5, 8, 3.0, "cut"), Boundary(7, 9, 1.0, "gradual")]) == [Boundary(5, 8, 3.0, "cut")]
    assert _merge([Boundary(5, 8, 1.0, "gradual"), Boundary(7, 7, 3.0, "cut")]) == [Boundary(7, 7, 3.0, "cut")]
    assert _merge([Boundary(5, 8, 2.0, "gradual"), Boundary(7, 7, 2.0, "cut")]) == [Boundary(5, 8, 2.0, "gradual")]
    assert _merge([Boundary(5, 8, 1.0, "gradual"), Boundary(10, 12, 1.0, "gradual")]) == [
        Boundary(5, 8, 1.0, "gradual"), Boundary(10, 12, 1.0, "gradual")]


def _dissolve(n_before=30, n_mix=12, n_after=30, dim=8):
    a, b = np.zeros(dim, np.float32), np.ones(dim, np.float32)
    mix = [a + (b - a) * t / (n_mix + 1) for t in range(1, n_mix + 1)]
    return np.stack([a] * n_before + mix + [b] * n_after)


def test_find_persistent_reports_the_dissolve_extent():
    c = score_curve(Embeddings(_dissolve()), create_distance("l1"), 6)
    found = find_span_boundaries(c, 1.0, np.zeros(0, np.int64))
    assert len(found) == 1 and found[0].kind == "gradual"
    assert (found[0].start, found[0].end) == (30, 41)
    assert found[0].strength == pytest.approx(1.0, rel=0.01)
    assert find_span_boundaries(c, 1.0, np.array([35])) == []  # overlaps a hard cut already found
    assert find_span_boundaries(c, 3.0, np.zeros(0, np.int64)) == []  # too small against the level
    assert find_span_boundaries(c, float("nan"), np.zeros(0, np.int64)) == []
    assert find_span_boundaries(c, 0.0, np.zeros(0, np.int64)) == []


def test_find_persistent_calls_a_dominant_step_a_cut():
    x = _dissolve(n_mix=0)  # a plain cut, with the shots moving slightly in a straight line
    x = x + np.linspace(0, 0.02, len(x))[:, None].astype(np.float32)
    c = score_curve(Embeddings(x), create_distance("l1"), 6)
    found = find_span_boundaries(c, 1.0, np.zeros(0, np.int64))
    assert [(b.kind, b.start, b.end) for b in found] == [("cut", 30, 30)]


# -- metrics -------------------------------------------------------------------------------------------


def test_scores_arithmetic():
    s = BoundaryScores(3, 1, 2)
    assert s.precision == 0.75 and s.recall == 0.6 and s.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert BoundaryScores(0, 0, 0).precision == 1.0 and BoundaryScores(0, 0, 0).recall == 1.0 and BoundaryScores(0, 1, 1).f1 == 0.0
    assert (BoundaryScores(1, 2, 3) + BoundaryScores(4, 5, 6)) == BoundaryScores(5, 7, 9)
    assert BoundaryScores(1, 0, 1).as_dict() == {"tp": 1, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3)}


def test_interval_gap_and_matching_exactly():
    assert Interval(5, 5).distance_to(Interval(7, 7)) == 2 and Interval(7, 7).distance_to(Interval(5, 5)) == 2
    assert Interval(5, 9).distance_to(Interval(9, 12)) == 0 and Interval(5, 9).distance_to(Interval(11, 12)) == 2
    assert match([Interval(10, 10)], [Interval(12, 12)], 1) == []
    assert match([Interval(10, 10)], [Interval(12, 12)], 2) == [(0, 0)]
    # closest pairs first: 11 goes to 11, not 10
    assert sorted(match([Interval(11, 11)], [Interval(10, 10), Interval(11, 11)], 2)) == [(0, 1)]
    # equal gaps: the closer centre wins
    assert match([Interval(10, 10)], [Interval(8, 12), Interval(10, 20)], 0) == [(0, 0)]


def test_evaluate_and_uncertain_frames():
    lab = ClipLabels("x", [Interval(10, 10), Interval(30, 35, "gradual")], uncertain=[50])
    assert evaluate([Interval(10, 10), Interval(33, 33)], lab) == BoundaryScores(2, 0, 0)
    assert evaluate([Interval(11, 11)], lab, 0) == BoundaryScores(0, 1, 2)
    assert evaluate([Interval(51, 51)], lab, 1) == BoundaryScores(0, 0, 2)  # near an uncertain frame: neutral
    assert evaluate([Interval(52, 52)], lab, 1) == BoundaryScores(0, 1, 2)


def test_accuracy_at_n_exactly():
    lab = ClipLabels("x", [Interval(3, 3), Interval(7, 7)])
    s = np.array([9, 0, 0, 5, 0, 0, 0, 1, 4, 0.0])  # frame 0 is never a change
    assert accuracy_at_n(s, lab) == 0.5  # top 2: 3 and 8
    assert accuracy_at_n(s, lab, tolerance=1) == 1.0
    assert np.isnan(accuracy_at_n(s, ClipLabels("x", [])))


def test_labels_shapes():
    c = clip_from_dict({"path": "p.mp4", "cuts": [5, {"frame": 9}, {"start": 12, "end": 14, "kind": "dissolve"}],
                        "gradual": [{"start": 20, "end": 22}], "uncertain": [3, {"frame": 4}, {"start": 6, "end": 7}],
                        "frames": 30, "group": "anime"}, "t")
    assert [(b.lo, b.hi, b.kind) for b in c.boundaries] == [(5, 5, "cut"), (9, 9, "cut"), (12, 15, "gradual"),
                                                           (20, 23, "gradual")]
    assert c.uncertain == [3, 4, 6, 7] and c.frames == 30 and c.group == "anime" and c.path == "p.mp4"
    from latentcut.errors import LabelsError

    with pytest.raises(LabelsError, match="ends before it starts"):
        clip_from_dict({"cuts": [{"start": 5, "end": 2, "kind": "fade"}]}, "t")
    with pytest.raises(LabelsError, match="cannot read an uncertain"):
        clip_from_dict({"cuts": [], "uncertain": ["x"]}, "t")


# -- the VAE loss ---------------------------------------------------------------------------------------


class _Fixed(torch.nn.Module):
    """Deterministic outputs with leaf tensors, to read each term's weight and gradient path."""

    def __init__(self, x):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.mu = torch.randn(len(x), 3, generator=g).requires_grad_()
        self.lv = (0.3 * torch.randn(len(x), 3, generator=g)).requires_grad_()
        self.recon = torch.rand(x.shape, generator=g).requires_grad_()

    def forward(self, x):
        return self.recon, self.mu, self.lv

    def encode(self, y):
        m = y.mean(dim=(2, 3))
        return m, torch.log(0.5 + y.std(dim=(2, 3)))


def test_loss_terms_and_weights_exactly():
    x = torch.rand(6, 3, 4, 4)
    m = _Fixed(x)
    cfg = VAEConfig(input_size=16, hidden=(8, 16), beta=4.0, tau=200.0, alpha=3.0)
    t = vae_loss(m, x, cfg, triplets=True)
    recon = ((m.recon - x) ** 2).sum(dim=(1, 2, 3)).mean()
    prior = (0.5 * (m.mu ** 2 + m.lv.exp() - 1 - m.lv).sum(1)).mean()
    mr, lr = m.encode(m.recon)
    repro = kl_diag(m.mu, m.lv, mr, lr).mean()
    mm, lm = moment_matched_mean(m.mu[0::3], m.lv[0::3], m.mu[2::3], m.lv[2::3])
    tween = kl_diag(m.mu[1::3], m.lv[1::3], mm, lm).mean()
    for k, v in (("recon", recon), ("kl", prior), ("repro", repro), ("tween", tween)):
        assert float(t[k]) == pytest.approx(float(v), rel=1e-5), k
    assert float(t["loss"]) == pytest.approx(float(recon + 4 * prior + 200 * repro + 3 * tween), rel=1e-5)
    plain = vae_loss(m, x, VAEConfig(input_size=16, hidden=(8, 16), beta=4.0, tau=0.0))
    assert "repro" not in plain and "tween" not in plain
    assert float(plain["loss"]) == pytest.approx(float(recon + 4 * prior), rel=1e-5)
    assert "tween" not in vae_loss(m, x, cfg, triplets=False)


def test_reprojection_target_is_detached():
    x = torch.rand(4, 3, 4, 4)
    m = _Fixed(x)
    cfg = VAEConfig(input_size=16, hidden=(8, 16), beta=0.0, tau=1.0)
    vae_loss(m, x, cfg)["loss"].backward()
    # beta 0: the data posterior (mu, lv) gets gradient only through the reprojection target,
    # which is detached; the reconstruction gets it through both terms
    assert m.mu.grad is None or float(m.mu.grad.abs().sum()) == 0.0
    assert m.lv.grad is None or float(m.lv.grad.abs().sum()) == 0.0
    assert float(m.recon.grad.abs().sum()) > 0


def test_kl_and_moment_matching_exactly():
    mu_p, lv_p = torch.tensor([[0.0, 1.0]]), torch.tensor([[0.0, np.log(2.0)]])
    mu_q, lv_q = torch.tensor([[1.0, 1.0]]), torch.tensor([[np.log(4.0), 0.0]])
    want = 0.5 * ((np.log(4) - 0 + 1 / 4 + 1 / 4 - 1) + (0 - np.log(2) + 2 + 0 - 1))
    assert float(kl_diag(mu_p, lv_p, mu_q, lv_q)[0]) == pytest.approx(want, rel=1e-5)
    mu, lv = moment_matched_mean(torch.tensor([[1.0]]), torch.tensor([[np.log(3.0)]]), torch.tensor([[5.0]]),
                                 torch.tensor([[np.log(1.0)]]))
    assert float(mu) == 3.0 and float(lv.exp()) == pytest.approx(0.5 * (3 + 1) + 0.25 * 16)


# -- grouping and maps ------------------------------------------------------------------------------------


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


def test_poster_places_each_frame_in_its_own_cell(tmp_path):
    from PIL import Image

    from latentcut.maps.render import poster

    coords = np.array([[0, 0], [1, 0], [0, 1], [1, 1.0]])
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    thumbs = np.stack([np.full((10, 20, 3), c, np.uint8) for c in colours])
    poster(coords, thumbs, str(tmp_path / "p.png"), size=(40, 20))
    img = np.asarray(Image.open(tmp_path / "p.png").convert("RGB"))
    assert img.shape == (20, 40, 3)
    assert tuple(img[5, 10]) == colours[0] and tuple(img[5, 30]) == colours[1]
    assert tuple(img[15, 10]) == colours[2] and tuple(img[15, 30]) == colours[3]
    poster(coords, thumbs, str(tmp_path / "q.png"), size=(44, 24))  # the grid is centred on the canvas
    img = np.asarray(Image.open(tmp_path / "q.png").convert("RGB"))
    assert tuple(img[0, 0]) == (16, 16, 16) and tuple(img[2, 2]) == colours[0] and tuple(img[21, 41]) == colours[3]


def test_map_methods_and_the_triplet_term():
    from latentcut.maps.projection import frame_map, subsample

    assert subsample(5, 10).tolist() == [0, 1, 2, 3, 4] and subsample(11, 3).tolist() == [0, 5, 10]
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(60, 12)), axis=0).astype(np.float32)
    p = frame_map(x, "pca")
    assert p.shape == (60, 2) and abs(float(p[:, 0].mean())) < 1e-4 and p[:, 0].var() >= p[:, 1].var()
    assert frame_map(x[:2], "pca").tolist() == [[0, 0], [0, 0]]
    with pytest.raises(ValueError, match="unknown map method"):
        frame_map(x, "tsne")
    a = frame_map(x, "autoencoder", steps=40)
    b = frame_map(x, "autoencoder", steps=40, triplet_weight=0.0)
    assert a.shape == (60, 2) and np.abs(a).max() <= 1.0  # a tanh code
    assert not np.allclose(a, b)  # the temporal triplet term is part of the loss
    np.testing.assert_array_equal(a, frame_map(x, "autoencoder", steps=40))  # seeded


# -- second pass: survivors of `mutmut run` on the first version of this file ------------------------


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


def test_matching_rules_exactly():
    # defaults: tolerance 0
    assert match([Interval(10, 10)], [Interval(11, 11)]) == []
    lab = ClipLabels("x", [Interval(10, 10)])
    assert evaluate([Interval(11, 11)], lab) == BoundaryScores(0, 1, 1)
    # centre distance breaks ties between equal gaps, by |(p.lo + p.hi) - (t.lo + t.hi)|
    assert match([Interval(10, 10)], [Interval(9, 11), Interval(10, 30)], 0) == [(0, 0)]
    assert match([Interval(4, 6)], [Interval(0, 5), Interval(5, 9)], 0) == [(0, 1)]
    assert match([Interval(10, 10), Interval(11, 11)], [Interval(10, 10), Interval(30, 30), Interval(11, 11)], 0) == [
        (0, 0), (1, 2)]
    assert sorted(match([Interval(5, 5), Interval(6, 6)], [Interval(6, 6)], 1)) == [(1, 0)]
    # every unmatched prediction is counted, not only the first
    assert evaluate([Interval(1, 1), Interval(2, 2), Interval(3, 3)], ClipLabels("x", [])) == BoundaryScores(0, 3, 0)
    assert evaluate([Interval(1, 1), Interval(40, 40)], ClipLabels("x", [], uncertain=[1])) == BoundaryScores(0, 1, 0)


def test_predictions_and_accuracy_at_n_details():
    from latentcut.evaluation import predictions_from_json

    assert predictions_from_json({"cuts": [{"frame": 3}, {"frame": 9, "kind": "gradual", "start": 7, "end": 10}]}) == [
        Interval(3, 3), Interval(7, 11, "gradual")]
    assert predictions_from_json([4, {"frame": 2}]) == [Interval(4, 4), Interval(2, 2)]
    from latentcut.errors import LabelsError

    with pytest.raises(LabelsError, match="predictions: cannot read a boundary"):
        predictions_from_json({"cuts": ["x"]})
    lab = ClipLabels("x", [Interval(2, 2), Interval(3, 3)])
    assert accuracy_at_n(np.array([9, 1, 1, 1, 0]), lab) == 0.5  # ties broken stably: 1, 2, 3 -> top 2 = 1, 2
    many = np.zeros(40)
    many[[5, 17, 30]] = 1.0  # ties among 39 frames: a stable sort keeps the earliest
    assert accuracy_at_n(many, ClipLabels("x", [Interval(5, 5), Interval(17, 17), Interval(30, 30)])) == 1.0
    flat = np.ones(40)
    assert accuracy_at_n(flat, ClipLabels("x", [Interval(1, 1), Interval(2, 2)])) == 1.0
    assert accuracy_at_n(np.array([0, 1, 1, 1, 0]), ClipLabels("x", [Interval(1, 1), Interval(2, 2)])) == 1.0
    assert accuracy_at_n(np.array([5, 0, 0, 0]), ClipLabels("x", [Interval(0, 0)])) == 0.0  # frame 0 never counts
    assert accuracy_at_n(np.array([1, 2, 3], np.int64), ClipLabels("x", [Interval(2, 2)])) == 1.0
    assert str(accuracy_at_n(np.zeros(3), ClipLabels("x", []))) == "nan"


def test_interval_reading_exactly():
    from latentcut.errors import LabelsError
    from latentcut.evaluation.labels import interval_from

    assert interval_from(7, "w") == Interval(7, 7, "cut") and interval_from(7.0, "w") == Interval(7, 7)
    assert interval_from({"frame": 4}, "w") == Interval(4, 4, "cut")
    assert interval_from({"frame": 4, "start": 2, "end": 6}, "w") == Interval(4, 4, "cut")  # kind cut: the frame
    assert interval_from({"start": 2, "end": 6}, "w") == Interval(2, 7, "gradual")  # no kind, no frame
    assert interval_from({"start": 2, "end": 6, "kind": "fade"}, "w") == Interval(2, 7, "gradual")
    assert interval_from({"start": 2, "end": 2, "kind": "fade"}, "w") == Interval(2, 3, "gradual")
    for bad in ({"start": 2}, {"end": 2}, {"start": 2, "kind": "cut"}, "x", True, None):
        with pytest.raises(LabelsError, match=r"^w: cannot read a boundary from"):
            interval_from(bad, "w")
    with pytest.raises(LabelsError, match=r"^w: transition ends before it starts \(5..2\)$"):
        interval_from({"start": 5, "end": 2, "kind": "fade"}, "w")
    assert Interval(3, 8).distance_to(Interval(4, 5)) == 0  # inside: 0, never negative


def test_clip_labels_defaults_and_errors(tmp_path):
    import json

    from latentcut.errors import LabelsError
    from latentcut.evaluation.labels import find_clip, load_json, load_labels

    c = clip_from_dict({"video": "v.mp4", "cuts": [9, 2], "gradual": None, "uncertain": None}, "w")
    assert c.path == "v.mp4" and [b.lo for b in c.boundaries] == [2, 9] and c.uncertain == [] and c.group == ""
    assert c.frames is None
    assert clip_from_dict({"cuts": []}, "w").path == ""
    for bad in ({"cuts": 3}, {"nocuts": []}, [1]):
        with pytest.raises(LabelsError, match=r"^w: no 'cuts' list$"):
            clip_from_dict(bad, "w")
    with pytest.raises(LabelsError, match=r"^w: cannot read a boundary from 'x'$"):
        clip_from_dict({"cuts": ["x"]}, "w")
    p = tmp_path / "l.json"
    p.write_text(json.dumps({"clips": [{"path": "a/x.mp4", "cuts": [1]}, {"path": "b/y.mp4", "cuts": [2]}]}), encoding="utf-8")
    clips = load_labels(p)
    assert [c.path for c in clips] == ["a/x.mp4", "b/y.mp4"]
    assert find_clip(clips, "/any/where/y.mp4").path == "b/y.mp4"
    with pytest.raises(LabelsError, match=r"^no labels for 'z.mp4'; the labels file has: x.mp4, y.mp4$"):
        find_clip(clips, "z.mp4")
    one = [ClipLabels("", [Interval(1, 1)])]
    assert find_clip(one, "anything.mp4") is one[0]
    two = [ClipLabels("", []), ClipLabels("q.mp4", [])]
    with pytest.raises(LabelsError):
        find_clip(two, "anything.mp4")
    assert find_clip([ClipLabels("q.mp4", [])], "q.mp4").path == "q.mp4"
    p.write_text(json.dumps({"clips": [{"path": "x.mp4", "cuts": [{"frame": "a"}]}]}), encoding="utf-8")
    with pytest.raises(LabelsError, match=r"l.json: not a labels file latentcut can read \(ValueError: "):
        load_labels(p)
    p.write_text(json.dumps({"clips": [{"path": "x.mp4", "cuts": [{"nope": 1}]}]}), encoding="utf-8")
    with pytest.raises(LabelsError, match=r"l.json: clip x.mp4: cannot read a boundary"):
        load_labels(p)
    p.write_text(json.dumps({"clips": [5]}), encoding="utf-8")
    with pytest.raises(LabelsError, match=r"l.json: clip 0: no 'cuts' list"):
        load_labels(p)
    p.write_text(json.dumps({"cuts": [3]}), encoding="utf-8")
    assert load_labels(p)[0].boundaries == [Interval(3, 3)] and load_labels(p)[0].path == ""
    for text in ('{"clips": 3}', "[]", '{"x": 1}'):
        p.write_text(text, encoding="utf-8")
        with pytest.raises(LabelsError, match=r"l.json: expected a 'clips' list or a 'cuts' list$"):
            load_labels(p)
    p.write_text('{"cuts": [], "path": "é.mp4"}', encoding="utf-8")
    assert load_json(p)["path"] == "é.mp4"
    with pytest.raises(LabelsError, match=r"is a directory, not a JSON file$"):
        load_json(tmp_path)
    with pytest.raises(LabelsError, match=r"missing.json: no such file$"):
        load_json(tmp_path / "missing.json")
    p.write_bytes(b"\xff\xfe{")
    with pytest.raises(LabelsError, match=r"not valid JSON"):
        load_json(p)


# -- thresholders against brute-force oracles -------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402


def _oracle_split(v):
    v = np.sort(np.asarray(v, np.float64))
    best = None
    for k in range(1, len(v)):
        a, b = v[:k], v[k:]
        sse = ((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()
        if best is None or sse < best[0] - 1e-9:
            best = (sse, (a.mean() + b.mean()) / 2)
    return best[1]


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(2, 30), elements=st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 1))))
def test_kmeans_split_equals_brute_force(v):
    if v.max() == v.min():
        assert kmeans_1d_split(v) is None
        return
    want = _oracle_split(v)
    got = kmeans_1d_split(list(v))
    # equal SSE ties may pick another split: compare the SSE each split gives
    def sse(split):
        a, b = v[v < split], v[v >= split]
        return ((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()
    assert sse(got) == pytest.approx(sse(want), rel=1e-9, abs=1e-9)


def test_kmeans_split_in_float64():
    rng = np.random.default_rng(0)
    v = (3000 + rng.normal(size=200) * 3).astype(np.float32)
    v[:70] += 9
    assert kmeans_1d_split(v) == kmeans_1d_split(v.astype(np.float64))  # float32 input, float64 sums


def _oracle_maxima(d):
    out = []
    for i in range(1, len(d)):
        left = d[i - 1] if i > 1 else -np.inf
        right = d[i + 1] if i + 1 < len(d) else -np.inf
        if d[i] >= left and d[i] > right and d[i] > 0:
            out.append(i)
    return out


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(0, 30), elements=st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.0])))
def test_local_maxima_equal_brute_force(d):
    got = local_maxima(d)
    assert got.dtype == np.int64 and got.tolist() == _oracle_maxima(d)


def _oracle_contrast(s, w, floor):
    s = np.asarray(s, np.float64).copy()
    s[0] = 0
    out = np.zeros(len(s))
    for i in range(len(s)):
        nb = [s[j] for j in range(i - w, i + w + 1) if 0 <= j < len(s) and abs(j - i) > 1]
        nb.sort(reverse=True)
        level = nb[1] if len(nb) > 1 else 0.0
        out[i] = s[i] / (max(level, 0.0) + floor)
    return out


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(1, 40), elements=st.floats(0, 5).map(lambda x: round(x, 2))),
       st.integers(0, 7), st.sampled_from([None, 0.0, 0.1]))
def test_local_contrast_equals_brute_force(s, w, floor):
    got = local_contrast(s, w, floor=floor)
    if floor is None:
        floor = max(0.05 * float(np.percentile(np.r_[0.0, s[1:]][1:], 99)) if len(s) > 1 else 0.0, 1e-12)
    else:
        floor = max(floor, 0.0)
    want = _oracle_contrast(s, max(w, 2), floor if floor > 0 else 1e-300)
    if floor == 0:
        return  # division by a zero level: inf either way
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_local_contrast_takes_integers_and_single_frames():
    assert local_contrast(np.array([5, 3, 0, 0, 0, 0]), 2, floor=1.0).tolist() == [0.0, 3.0, 0.0, 0.0, 0.0, 0.0]
    assert local_contrast(np.array([7.0]), 3).tolist() == [0.0]  # one frame: no change, floor 1e-12


def _oracle_spaced(cands, strength, gap, limit=None):
    order = sorted(cands, key=lambda c: (-strength[c], c))
    kept = []
    for c in order:
        if all(abs(c - k) >= gap for k in kept):
            kept.append(c)
            if limit is not None and len(kept) == limit:
                break
    return sorted(kept)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 40), unique=True, max_size=20), st.integers(1, 8), st.one_of(st.none(), st.integers(1, 6)),
       st.integers(0, 2**31))
def test_select_spaced_equals_brute_force(cands, gap, limit, seed):
    strength = np.random.default_rng(seed).integers(0, 4, 41).astype(float)
    got = select_spaced(np.array(cands, np.int64), strength, gap, limit)
    assert got.dtype == np.int64 and got.tolist() == _oracle_spaced(cands, strength, gap, limit)
    assert select_spaced([3.0, 1.0], strength, 1).dtype == np.int64


def test_thresholders_use_fps_and_scale_they_are_given():
    s = np.zeros(100)
    s[[20, 28, 60]] = [1.0, 0.9, 1.0]
    fixed = create_thresholder("fixed,value=0.5,min_shot_len=0.5s")
    assert fixed.fit_predict(s, fps=10).tolist() == [20, 28, 60]  # 0.5 s = 5 frames at 10 fps
    assert fixed.fit_predict(s).tolist() == [20, 60]  # 25 fps by default: 12 frames
    assert fixed.predict(s, fps=10).tolist() == [20, 28, 60]
    top = create_thresholder("top-n,n=3,min_shot_len=0.5s")
    assert top.fit(s, fps=10).cuts_.tolist() == [20, 28, 60] and top.predict(s, fps=10).tolist() == [20, 28, 60]
    assert top.fit(s).cuts_.tolist() != [20, 28, 60]  # 12 frames apart at 25 fps
    with pytest.raises(ThresholdError, match=r"^top-n: cannot place 3 cuts at least 50 frames apart in 100 frames "):
        create_thresholder("top-n,n=3,min_shot_len=2s").fit_predict(s)
    ad = create_thresholder("adaptive,window=1.0")
    quiet = np.zeros(200)
    quiet[100] = 1.0
    quiet[[90, 110]] = 0.6
    d_small = ad.decision_function(quiet, fps=5, scale=1.0)
    d_big = ad.decision_function(quiet, fps=25, scale=1.0)
    assert d_small[100] > d_big[100]  # the wider window sees 90 and 110
    assert ad.decision_function(quiet, fps=5, scale=2.0)[100] < d_small[100]
    assert create_thresholder("adaptive")._window(None) == int(round(0.25 * 25))
    assert create_thresholder("adaptive,window=1.0")._window(None) == 25


def test_thresholder_defaults():
    assert create_thresholder("fixed").value == 0.1 and create_thresholder("top-n").n == 1
    a = create_thresholder("adaptive")
    assert (a.ratio, a.min_score, a.strong_ratio, a.weak_score, a.window, a.min_shot_len) == (1.25, 0.4, 5.0, 0.1, 0.25, "0.3s")
    k = create_thresholder("kmeans")
    assert (k.floor, k.separation, k.window, k.min_shot_len) == (0.5, 1.5, 0.25, "0.3s")
    assert not isinstance(k, type(a))  # it shares the adaptive curve as a function, not by inheriting its rules
    assert k.get_params() == {"floor": 0.5, "separation": 1.5, "window": 0.25, "min_shot_len": "0.3s"}
    assert a.get_params()["ratio"] == 1.25 and repr(create_thresholder("fixed,value=0.2")) == "fixed,value=0.2"
    assert a.set_params(ratio=2.0) is a and a.ratio == 2.0
    assert create_thresholder(a, ratio=3.0).ratio == 3.0 and a.ratio == 2.0  # overrides apply to a copy
    from latentcut.errors import PluginError

    with pytest.raises(PluginError, match="bad parameters for thresholder 'fixed'"):
        create_thresholder("fixed", bogus=1)


@pytest.mark.parametrize("spec,message", [
    ("fixed,value=-0.1", "value must be >= 0.0, not -0.1"),
    ("fixed,value=x", "value must be a number, not 'x'"),
    ("fixed,min_shot_len=x", "min_shot_len must be frames"),
    ("top-n,n=-1", "n must be >= 0, not -1"),
    ("top-n,n=1.0", "n must be a whole number, not 1.0"),
    ("top-n,n=true", "n must be a whole number, not True"),
    ("adaptive,ratio=0", "ratio must be > 0.0, not 0"),
    ("adaptive,min_score=-1", "min_score must be > 0.0"),
    ("adaptive,strong_ratio=0", "strong_ratio must be > 0.0"),
    ("adaptive,weak_score=0", "weak_score must be > 0.0"),
    ("adaptive,window=0", "window must be > 0.0, not 0"),
    ("adaptive,window=60.5", "window must be <= 60.0, not 60.5"),
    ("adaptive,min_shot_len=-2", "min_shot_len must be >= 0"),
    ("kmeans,floor=0", "floor must be > 0.0, not 0"),
    ("kmeans,floor=1.5", "floor must be <= 1.0, not 1.5"),
    ("kmeans,separation=0.9", "separation must be >= 1.0, not 0.9"),
    ("kmeans,separation=x", "separation must be a number"),
    ("kmeans,window=61", "window must be <= 60.0, not 61"),
    ("kmeans,window=0", "window must be > 0.0, not 0"),
    ("kmeans,min_shot_len=abc", "min_shot_len must be frames"),
    ("kmeans,floor=x", "floor must be a number, not 'x'"),
])
def test_thresholder_parameter_checks(spec, message):
    from latentcut.errors import PluginError

    with pytest.raises(PluginError, match="^bad value for thresholder '[a-z-]+': " + message.replace("(", r"\(").replace(".", r"\.")):
        create_thresholder(spec)


@pytest.mark.parametrize("spec", ["fixed,value=0", "top-n,n=0", "adaptive,window=60", "adaptive,window=3",
                                  "kmeans,floor=1", "kmeans,separation=1", "kmeans,window=60", "fixed,min_shot_len=none",
                                  "adaptive,min_shot_len=00:00:00.500", "fixed,value=7"])
def test_thresholder_parameter_limits_are_inclusive(spec):
    create_thresholder(spec)


def test_check_scores_and_predict_details():
    from latentcut.detection.thresholders import check_scores

    assert check_scores([1, 2]).dtype == np.float64
    with pytest.raises(ThresholdError, match=r"^scores must be a 1-D curve, got shape \(2, 2\)$"):
        check_scores(np.zeros((2, 2)))
    with pytest.raises(ThresholdError, match=r"^scores contain NaN or infinite values$"):
        check_scores([0, np.inf])
    assert check_scores([np.nan, 1.0]).shape == (2,)  # scores[0] is never used
    f = create_thresholder("fixed,value=0.5,min_shot_len=1").fit(np.zeros(1))
    assert f.predict(np.array([3.0])).tolist() == [] and f.predict(np.array([0.0, 1.0])).tolist() == [1]
    assert f.predict(np.array([0.0, 0.4, 0.5])).tolist() == [2]
    top = create_thresholder("top-n,n=0")
    assert top.fit_predict(np.ones(3)).dtype == np.int64 and top.fit_predict(np.ones(3)).tolist() == []
    with pytest.raises(ThresholdError, match=r"^top-n: n must be >= 0, not -2$"):
        create_thresholder("top-n").set_params(n=-2).fit(np.ones(3))
    with pytest.raises(ThresholdError, match=r"^top-n: asked for 3 cuts but the video has only 2 frame pairs$"):
        create_thresholder("top-n,n=3").fit(np.ones(3))
    with pytest.raises(ThresholdError, match=r"only 0 frame pairs"):
        create_thresholder("top-n,n=1").fit(np.ones(0))
    with pytest.raises(ThresholdError, match=r"^min_shot_len must be frames"):
        create_thresholder("fixed").set_params(min_shot_len="x").fit_predict(np.ones(3))
    from latentcut.detection.spacing import min_spacing_frames

    assert min_spacing_frames(None, 25) == 1 and min_spacing_frames("2s", 10) == 20 and min_spacing_frames("2s", None) == 50


def test_adaptive_decision_details():
    a = create_thresholder("adaptive,window=3")
    assert a.decision_function(np.array([0.0, 1.0]), scale=1.0)[1] > 0  # two frames are enough
    s = np.zeros(30)
    s[1] = 0.9  # a change into frame 1 counts; frame 0 never
    s[0] = 5.0
    d = a.decision_function(s, fps=25, scale=1.0)
    assert d[0] == 0.0 and d[1] == pytest.approx(min((0.9 / (0.025)) / 5.0, 0.9 / 0.1))
    auto = a.decision_function(s, fps=25)  # no scale: 99.5th percentile of s[1:]
    ref = float(np.percentile(s[1:], 99.5))
    assert auto[1] == pytest.approx(max(min((0.9 / (0.25 * 0.1 * ref)) / 1.5, 0.9 / ref / 0.4),
                                        min((0.9 / (0.25 * 0.1 * ref)) / 5.0, 0.9 / ref / 0.1)))
    assert create_thresholder("adaptive").decision_function(np.zeros(5)).tolist() == [0.0] * 5  # ref floor 1e-12
    big = create_thresholder("adaptive,ratio=2,min_score=0.5,strong_ratio=100,weak_score=0.9,window=3")
    s2 = np.zeros(30)
    s2[[8, 10, 12]] = [0.35, 0.8, 0.35]  # contrast of 10: 0.8 / (0.35 + 0.225): the 2nd largest around
    d2 = big.decision_function(s2, fps=25, scale=1.0)
    con = 0.8 / (0.35 + 0.25 * 0.9)
    assert d2[10] == pytest.approx(max(min(con / 2, 0.8 / 0.5), min(con / 100, 0.8 / 0.9)))


def test_kmeans_fit_details():
    def curve(strong, weak):
        s = np.zeros(400)
        s[np.arange(20, 20 + 40 * len(strong), 40)] = strong
        s[np.arange(30, 30 + 40 * len(weak), 40)] = weak
        return s

    km = create_thresholder("kmeans,window=3")
    s = curve([1.0, 1.1, 1.2], [0.2, 0.22])
    d = km.decision_function(s, fps=25, scale=1.0)
    km.fit(s, fps=25, scale=1.0)
    peaks = np.array(_oracle_maxima(d))
    vals = np.log(d[peaks][d[peaks] >= 0.25])
    split = _oracle_split(vals)
    lower, upper = vals[vals < split], vals[vals >= split]
    want = float(np.clip(np.exp(split), 0.5, 2.0)) if upper.min() - lower.max() >= np.log(1.5) else 1.0
    assert km.threshold_ == pytest.approx(want)
    assert km.threshold_ != 1.0
    # a split whose clusters overlap (gap below log(separation)) keeps the adaptive bar
    close = create_thresholder("kmeans,window=3,separation=50")
    assert close.fit(s, fps=25, scale=1.0).threshold_ == 1.0
    # one peak only: no split
    one = np.zeros(100)
    one[50] = 1.0
    assert create_thresholder("kmeans").fit(one, fps=25, scale=1.0).threshold_ == 1.0
    # the floor clips a split far below the bar
    lowsplit = curve([0.9, 0.9, 0.9], [0.03, 0.03, 0.03])
    f = create_thresholder("kmeans,window=3,floor=0.9").fit(lowsplit, fps=25, scale=1.0)
    assert f.threshold_ in (0.9, 1.0) and create_thresholder("kmeans,window=3,floor=0.9").fit(lowsplit, fps=25, scale=1.0).threshold_ == f.threshold_
    # peaks exactly at 0.25 are kept
    assert km.fit_predict(s, fps=25, scale=1.0).tolist() == [20, 60, 100]


def test_third_pass_details(tmp_path):
    from types import SimpleNamespace as NS

    from latentcut.errors import LabelsError
    from latentcut.evaluation.labels import load_json, load_labels
    from latentcut.io.timecode import Timecode
    from latentcut.scenes.grouping import shot_vectors

    # matching: the centre tie-break uses the sum of each interval's ends
    assert match([Interval(10, 10)], [Interval(5, 15), Interval(10, 11)], 0) == [(0, 0)]
    # a pair skipped for a used truth does not end the matching
    assert match([Interval(10, 10), Interval(11, 11)], [Interval(10, 10), Interval(13, 13)], 2) == [(0, 0), (1, 1)]
    # ties in accuracy@N: the earlier frames, for any length
    flat = np.ones(500)
    assert accuracy_at_n(flat, ClipLabels("x", [Interval(1, 1), Interval(2, 2), Interval(3, 3)])) == 1.0
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
    # labels: messages name the file and clip
    p = tmp_path / "l.json"
    p.write_text('{"clips": [{"cuts": ["x"]}]}')
    with pytest.raises(LabelsError, match=r"l.json: clip 0: cannot read a boundary"):
        load_labels(p)
    p.write_text('{"cuts": ["x"]}')
    with pytest.raises(LabelsError, match=r"^" + str(p).replace(".", r"\.") + r": cannot read a boundary"):
        load_labels(p)
    (tmp_path / "f").write_text("x")
    with pytest.raises(LabelsError, match=r"f/x.json: cannot read it \(Not a directory\)$"):
        load_json(tmp_path / "f" / "x.json")
    assert CurveBuilder(create_distance("l1"), 3).finish().span_frames == 3


def _oracle_layout(coords, cols, rows):
    c = coords - coords.min(0)
    span = c.max(0)
    c = c / np.where(span > 0, span, 1)
    cells = [((col + 0.5) / cols, (r + 0.5) / rows) for r in range(rows) for col in range(cols)]
    pairs = sorted(((cx - x) ** 2 + (cy - y) ** 2, ci * len(c) + fi, ci, fi)
                   for ci, (cx, cy) in enumerate(cells) for fi, (x, y) in enumerate(c))
    used_c, used_f, out = set(), set(), []
    for _, _, ci, fi in pairs:
        if ci not in used_c and fi not in used_f:
            used_c.add(ci)
            used_f.add(fi)
            out.append((ci, fi))
    return out


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.just(2)), elements=st.integers(-3, 3).map(float)),
       st.integers(1, 4), st.integers(1, 4))
def test_poster_layout_equals_brute_force(coords, cols, rows):
    from latentcut.maps.render import poster_layout

    assert poster_layout(coords, cols, rows) == _oracle_layout(coords, cols, rows)


def test_poster_cells_sizes_and_resizing(tmp_path):
    from PIL import Image

    from latentcut.maps.render import poster

    coords = np.array([[0, 0], [1, 1.0]])
    thumbs = np.stack([np.full((10, 20, 3), (255, 0, 0), np.uint8), np.full((10, 20, 3), (0, 0, 255), np.uint8)])
    poster(coords, thumbs, str(tmp_path / "p.png"), size=(20, 20), cell=(10, 5))  # 2 cols x 4 rows of 10x5
    img = np.asarray(Image.open(tmp_path / "p.png").convert("RGB"))
    assert img.shape == (20, 20, 3)
    assert tuple(img[2, 2]) == (255, 0, 0) and tuple(img[2, 12]) == (16, 16, 16)
    assert tuple(img[17, 12]) == (0, 0, 255) and tuple(img[12, 2]) == (16, 16, 16)
    poster(coords, thumbs, str(tmp_path / "q.png"), size=(5, 5))  # smaller than a cell: one cell, one frame
    assert np.asarray(Image.open(tmp_path / "q.png")).shape[:2] == (5, 5)
    same = np.array([[2, 2], [2, 2.0]])  # no spread at all
    poster(same, thumbs, str(tmp_path / "r.png"), size=(40, 10))
    img = np.asarray(Image.open(tmp_path / "r.png").convert("RGB"))
    assert {tuple(img[5, 5]), tuple(img[5, 25])} == {(255, 0, 0), (0, 0, 255)}


def test_autoencoder_map_is_pinned():
    """Seeded: the map of this input is exactly this (any change to the architecture, loss or
    optimiser moves it); and the defaults are the documented ones."""
    import inspect

    from latentcut.maps.projection import autoencoder_map, frame_map

    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(60, 12)), axis=0).astype(np.float32)
    a = autoencoder_map(x, steps=40)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a[[0, 17, 59]], [[0.9327, 0.8411], [0.6459, 0.7101], [-0.6182, -0.3806]], atol=2e-4)
    assert float(a.sum()) == pytest.approx(5.641, abs=2e-3)
    np.testing.assert_array_equal(frame_map(x, "autoencoder", steps=40), a)
    np.testing.assert_array_equal(frame_map(x, "autoencoder", steps=40, seed=0), a)
    defaults = {k: v.default for k, v in inspect.signature(autoencoder_map).parameters.items() if k != "x"}
    assert defaults == {"seed": 0, "pca_dims": 256, "steps": 600, "spread": 0.5, "eps": 1e-3, "triplet_weight": 1.0}
    small = autoencoder_map(x[:5], steps=3, pca_dims=3)
    assert small.shape == (5, 2)
    assert not np.allclose(autoencoder_map(x, steps=40, seed=1), a)
    assert not np.allclose(autoencoder_map(x, steps=40, spread=0.2), a)
    assert not np.allclose(autoencoder_map(x, steps=40, eps=1.0), a)
    assert not np.allclose(autoencoder_map(x, steps=41), a)
    assert not np.allclose(autoencoder_map(x, steps=40, pca_dims=4), a)


def test_pca_and_small_maps_exactly():
    from sklearn.decomposition import PCA

    from latentcut.maps.projection import frame_map

    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 5))
    p = frame_map(x, "pca")
    assert p.dtype == np.float32
    np.testing.assert_allclose(p, PCA(n_components=2, random_state=0).fit_transform(x.astype(np.float32)), rtol=1e-5, atol=1e-5)
    assert frame_map(x, "pca", seed=3).shape == (30, 2)
    for n in (0, 1, 2):
        z = frame_map(x[:n], "umap")
        assert z.shape == (n, 2) and z.dtype == np.float32 and not z.any()
    assert frame_map(x[:3], "pca").shape == (3, 2)
    with pytest.raises(ValueError, match=r"^unknown map method 'x': umap, pca or autoencoder$"):
        frame_map(x, "x")


def test_umap_map_is_seeded_and_uses_neighbours():
    from latentcut.maps.projection import frame_map

    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(60, 12)), axis=0).astype(np.float32)
    u = frame_map(x, "umap")
    assert u.dtype == np.float32 and u.shape == (60, 2)
    np.testing.assert_allclose(u[[0, 59]], [[8.105, 10.746], [19.007, 5.468]], atol=0.05)
    np.testing.assert_array_equal(frame_map(x, "umap"), u)
    assert frame_map(x[:6], "umap").shape == (6, 2)  # fewer frames than 15 neighbours
    assert not np.allclose(frame_map(x, "umap", n_epochs=20), u)


# -- transitions: scenarios at a scale other than 1, so that * and / differ ------------------------------


def _curve(rows, k=6, dim=8):
    return score_curve(Embeddings(np.asarray(rows, np.float32).reshape(len(rows), -1)), create_distance("l1"), k)


def _mix(a, b, n):
    return [a + (b - a) * t / (n + 1) for t in range(1, n + 1)]


def _shots(*parts):
    return np.concatenate([np.asarray(p, np.float32).reshape(len(p), -1) for p in parts])


A, B, C = np.zeros(8, np.float32), np.full(8, 3.0, np.float32), np.full(8, -3.0, np.float32)


def test_transition_scenarios_exactly():
    c = _curve(_shots([A] * 30, _mix(A, B, 11), [B] * 30))
    (d,) = find_span_boundaries(c, 3.0, np.zeros(0, np.int64))
    assert (d.kind, d.start, d.end) == ("gradual", 30, 40) and d.strength == pytest.approx(3.0, rel=1e-5)
    assert find_span_boundaries(c, 3.0, np.zeros(0, np.int64), min_fraction=0.99)[0].start == 30
    assert find_span_boundaries(c, 3.0, np.zeros(0, np.int64), min_fraction=1.01) == []
    assert find_span_boundaries(c, 6.1, np.zeros(0, np.int64)) == []  # 3.0 < 0.5 x 6.1
    assert len(find_span_boundaries(c, 5.9, np.zeros(0, np.int64))) == 1
    assert len(find_span_boundaries(c, 3.0, np.zeros(0, np.int64), straightness=1.0)) == 1  # exactly straight
    # a hard cut inside [start - 1, end + 2] hides it; one further out does not
    for cut, hidden in ((29, True), (42, True), (28, False), (43, False)):
        assert (find_span_boundaries(c, 3.0, np.array([cut])) == []) is hidden, cut
    # a straight change below 0.2 x level is no candidate at all
    small = _curve(_shots([A] * 30, _mix(A, B / 10, 11), [B / 10] * 30))
    assert find_span_boundaries(small, 3.0, np.zeros(0, np.int64)) == []
    assert len(find_span_boundaries(small, 0.3, np.zeros(0, np.int64))) == 1


def test_a_first_run_that_fails_does_not_stop_the_search():
    rows = _shots([A] * 20, _mix(A, B / 3, 8), [B / 3] * 20, _mix(B / 3, C, 11), [C] * 30)
    c = _curve(rows)
    assert c.span_scores[25:35].max() >= 0.6  # the first change is a candidate (0.2 x level) but moves too little
    found = find_span_boundaries(c, 3.0, np.zeros(0, np.int64))
    assert [(b.kind, b.start) for b in found] == [("gradual", 48)]
    rows = _shots([A] * 20, _mix(A, B, 8), [B] * 20, _mix(B, C, 11), [C] * 30)
    c = _curve(rows)
    found = find_span_boundaries(c, 3.0, np.array([21]))  # the first dissolve sits on a hard cut: skipped
    assert [(b.kind, b.start, b.end) for b in found] == [("gradual", 48, 58)]


def test_wandering_motion_is_no_transition():
    rng = np.random.default_rng(0)
    walk = [A + rng.normal(size=8).astype(np.float32) * 1.5 for _ in range(60)]
    assert find_span_boundaries(_curve(walk), 3.0, np.zeros(0, np.int64)) == []


def test_a_dominant_step_is_a_cut_at_that_step():
    drift = np.linspace(0, 0.3, 25)[:, None].astype(np.float32)
    rows = _shots(A + drift, B + 0.3 + drift)
    (b,) = find_span_boundaries(_curve(rows), 3.0, np.zeros(0, np.int64))
    assert (b.kind, b.start, b.end) == ("cut", 25, 25)
    assert b.strength == pytest.approx(3.125, rel=1e-6)  # raw steps x median straightness, above gap.max() 3.0625
    found = find_span_boundaries(_curve(rows), 3.0, np.zeros(0, np.int64), step_share=0.99)
    assert [f.kind for f in found] == ["gradual"]


def test_transition_at_the_start_of_a_video():
    rows = _shots(_mix(A, B, 5), [B] * 30)
    # windows end at k or later; steps before that still count towards the run's extent
    assert find_span_boundaries(_curve(rows, k=6), 3.0, np.zeros(0, np.int64)) == [Boundary(1, 4, 2.5, "gradual")]
    assert find_span_boundaries(_curve(rows, k=6), float("inf"), np.zeros(0, np.int64)) == []


def test_fourth_pass_details(tmp_path):
    from PIL import Image

    from latentcut.maps.projection import autoencoder_map, subsample
    from latentcut.maps.render import poster, poster_layout

    assert subsample(11, 3).dtype.kind == "i"
    assert [g.shots for g in group_shots(np.eye(2), threshold=0.0)] == [[1], [2]]
    assert [(g.number, g.shots) for g in group_shots(np.eye(2)[:1])] == [(1, [1])]
    # spans below 1 are scaled up to the unit square too
    assert poster_layout(np.array([[0, 0], [0.5, 0.5]]), 2, 1) == [(0, 0), (1, 1)]
    assert sorted(poster_layout(np.array([[0, 0.0], [0.25, 0.0], [0.5, 0.0]]), 3, 1)) == [(0, 0), (1, 1), (2, 2)]
    # a poster narrower than one cell has one column; thumbnails are resized with a box filter
    coords = np.array([[0, 0], [1, 1.0]])
    thumbs = np.zeros((2, 10, 20, 3), np.uint8)
    thumbs[0, :, ::2] = 255
    thumbs[1] = (0, 0, 255)
    poster(coords, thumbs, str(tmp_path / "q.png"), size=(5, 5))
    img = np.asarray(Image.open(tmp_path / "q.png").convert("RGB"))
    assert not (img == (0, 0, 255)).all(-1).any()  # only the first frame is on it
    poster(coords, thumbs, str(tmp_path / "b.png"), size=(20, 10), cell=(10, 5))
    img = np.asarray(Image.open(tmp_path / "b.png").convert("RGB"))
    box = np.asarray(Image.fromarray(thumbs[0]).resize((10, 5), Image.Resampling.BOX))
    np.testing.assert_array_equal(img[0:5, 0:10], box)
    # the map with its defaults, on more frames and dimensions than the PCA and batch caps
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(300, 300)), axis=0).astype(np.float32)
    a = autoencoder_map(x)
    np.testing.assert_allclose(a[[0, 150, 299]], FOURTH_PASS_MAP, atol=2e-4)
    assert autoencoder_map(x[:5], steps=3).shape == (5, 2)  # PCA capped by the frame count


FOURTH_PASS_MAP = [[-0.99, -0.467], [0.3247, 0.6579], [0.4067, -0.9861]]


def test_an_eased_dissolve_is_pinned():
    """A dissolve whose steps grow then shrink (ease in, ease out): its extent comes from the
    steps above 0.3 x the median of the larger half, its strength from the steps' sum."""
    w = np.array([0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05, 0.02])
    pos = np.cumsum(w) / w.sum()
    rows = _shots([A] * 30, [A + (B - A) * p for p in pos[:-1]], [B] * 30)
    c = _curve(rows)
    (d,) = find_span_boundaries(c, 3.0, np.zeros(0, np.int64))
    assert (d.kind, d.start, d.end) == EASED[:3]
    assert d.strength == pytest.approx(EASED[3], rel=1e-6)
    (e,) = find_span_boundaries(c, 3.0, np.zeros(0, np.int64), step_share=0.15)
    assert (e.kind, e.start, e.end) == ("cut", 36, 36)


EASED = ("gradual", 33, 38, 2.7118644416332245)


def test_cut_interval_follows_the_labels_convention():
    from latentcut.detection.results import Cut
    from latentcut.io.timecode import Timecode

    assert Cut(Timecode(9, 0.3), 1.0).interval() == Interval(9, 9, "cut")
    g = Cut(Timecode(9, 0.3), 1.0, "gradual", Timecode(7, 0.2), Timecode(11, 0.4))
    assert g.interval() == Interval(7, 12, "gradual")


def test_spaced_from_is_strict_at_the_spacing():
    from latentcut.detection.spacing import spaced_from

    assert spaced_from(10, [7, 13], 3) and not spaced_from(10, [8], 3) and not spaced_from(10, [12], 3)
    assert spaced_from(10, [], 50) and not spaced_from(10, [10], 1) and spaced_from(10, [9], 1)

