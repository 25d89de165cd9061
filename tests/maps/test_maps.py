"""Maps and posters: layouts against brute force, pinned projections. Each exact assertion was added for a mutant that survived ``mutmut run``
(docs/testing.md).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process



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
    ref = PCA(n_components=2, random_state=0).fit_transform(x.astype(np.float32))
    sign = np.sign((p * ref).sum(axis=0))  # scikit-learn signs its components its own way
    np.testing.assert_allclose(p, ref * sign, rtol=1e-4, atol=1e-4)
    assert frame_map(x[:, :1], "pca")[:, 1].tolist() == [0.0] * 30  # one dimension: the second axis is flat
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


FOURTH_PASS_MAP = [[-0.99, -0.467], [0.3247, 0.6579], [0.4067, -0.9861]]


def test_poster_and_autoencoder_details(tmp_path):
    from PIL import Image

    from latentcut.maps.projection import autoencoder_map, subsample
    from latentcut.maps.render import poster, poster_layout

    assert subsample(11, 3).dtype.kind == "i"
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
    np.testing.assert_allclose(a[[0, 150, 299]], FOURTH_PASS_MAP, atol=1e-3)  # torch and SVD rounding differ by machine
    assert autoencoder_map(x[:5], steps=3).shape == (5, 2)  # PCA capped by the frame count


def test_a_map_drawn_from_another_encoder_embeds_the_chosen_frames(cut_video, tmp_path):
    from latentcut import ShotDetector, VideoReader
    from latentcut.encoders import create_encoder
    from latentcut.maps.projection import MAP_ENCODER, embed_frames, map_video

    result = ShotDetector(progress=False).detect(cut_video)  # no embeddings kept
    with pytest.raises(ValueError, match="keep_embeddings"):
        map_video(result, "pca")
    enc = create_encoder(MAP_ENCODER)
    m = map_video(result, "pca", max_points=10, encoder=enc)
    assert len(m.indices) == 10 and list(m.indices) == sorted(m.indices)
    frames = VideoReader(cut_video, size=enc.frame_size).read_all().frames
    np.testing.assert_allclose(embed_frames(cut_video, m.indices, enc), enc.transform(frames[m.indices]).mean, atol=1e-6)
    # three colours (with a little noise): three groups on the map, one a shot, each far smaller than the map
    assert set(m.shots) == {1, 2, 3}
    spread = max(np.ptp(m.coords[m.shots == s], axis=0).max() for s in (1, 2, 3))
    assert spread < 0.2 * np.ptp(m.coords, axis=0).max()
    # the map is the chosen method's projection of exactly those vectors
    from latentcut.maps.projection import frame_map

    np.testing.assert_allclose(m.coords, frame_map(enc.transform(frames[m.indices]).mean, "pca"), atol=1e-5)
    # several passes of ``batch`` frames give what one pass gives, in order
    some = [0, 3, 9, 23, 24, 30, 47, 48, 60, 71, 70][:-1]
    np.testing.assert_allclose(embed_frames(cut_video, some, enc, batch=3), enc.transform(frames[some]).mean, atol=1e-6)
    assert embed_frames(cut_video, [], enc).shape[0] == 0
    with pytest.raises(Exception, match="1 of the map's frames no longer decode"):
        embed_frames(cut_video, [5, 10_000], enc)


def test_map_command_draws_from_shotnet_or_the_detector(cut_video, tmp_path, capsys):
    from latentcut.cli import main

    assert main(["map", str(cut_video), "--method", "pca", "--csv", str(tmp_path / "a.csv")]) == 0
    assert main(["map", str(cut_video), "--method", "pca", "--map-encoder", "detector", "--csv", str(tmp_path / "b.csv")]) == 0
    a, b = (np.loadtxt(tmp_path / f, delimiter=",", skiprows=1) for f in ("a.csv", "b.csv"))
    assert a.shape == b.shape and not np.allclose(a[:, 3:], b[:, 3:])  # the same frames, another space
    assert main(["map", str(cut_video), "--method", "pca", "--map-encoder", "no-such-encoder", "--csv", str(tmp_path / "c.csv")]) == 2
    assert "latentcut: error:" in capsys.readouterr().err and not (tmp_path / "c.csv").exists()


def test_map_with_no_output_names_its_file_here_and_never_replaces_one(cut_video, tmp_path, monkeypatch, capsys):
    from latentcut.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["map", str(cut_video), "--map-encoder", "detector"]) == 0
    assert "wrote map: cuts-map.png" in capsys.readouterr().out and (tmp_path / "cuts-map.png").stat().st_size > 0
    before = (tmp_path / "cuts-map.png").read_bytes()
    assert main(["map", str(cut_video), "--map-encoder", "detector"]) == 2
    assert "cuts-map.png: already exists" in capsys.readouterr().err
    assert (tmp_path / "cuts-map.png").read_bytes() == before


def test_principal_components_are_the_directions_of_most_variance():
    from latentcut.embeddings import principal_components

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)) * [5.0, 1.0, 0.1] + [10.0, -2.0, 3.0]
    mean, comps = principal_components(x, 2)
    np.testing.assert_allclose(mean, [10.0, -2.0, 3.0], atol=0.8)
    assert comps.shape == (2, 3) and comps.dtype == np.float32
    np.testing.assert_allclose(np.abs(comps), [[1, 0, 0], [0, 1, 0]], atol=0.05)
    np.testing.assert_allclose(comps @ comps.T, np.eye(2), atol=1e-5)
    assert (comps[np.arange(2), np.abs(comps).argmax(axis=1)] > 0).all()  # signed: largest entry positive
    m2, c2 = principal_components(-x, 2)  # the sign rule does not depend on the data's sign
    np.testing.assert_allclose(c2, comps, atol=1e-5)
    for bad in (0, 4):
        with pytest.raises(ValueError, match="n must be 1..3"):
            principal_components(x, bad)
    with pytest.raises(ValueError, match="non-empty"):
        principal_components(np.zeros((0, 3)), 1)
