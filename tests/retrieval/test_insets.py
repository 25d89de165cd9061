"""Picture-in-picture: the corner inset is found, where it is, and searched as a picture of its own."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcut.retrieval.insets import find_inset

pytestmark = pytest.mark.mutation


def shapes(h, w, seed, n=60):
    """A busy drawn-looking picture: overlapping ellipses of random colours (edges everywhere,
    none of them straight)."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (w, h), tuple(int(c) for c in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(img)
    for _ in range(n):
        x, y = int(rng.integers(-w // 4, w)), int(rng.integers(-h // 4, h))
        rx, ry = int(rng.integers(w // 20, w // 4)), int(rng.integers(h // 20, h // 4))
        draw.ellipse((x, y, x + rx, y + ry), fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    return np.asarray(img)


def pip(bg, inset, share, top, left):
    h, w = bg.shape[:2]
    ih, iw = int(h * share), int(w * share)
    from PIL import Image

    small = np.asarray(Image.fromarray(inset).resize((iw, ih)))
    out = bg.copy()
    y0, x0 = (0 if top else h - ih), (0 if left else w - iw)
    out[y0 : y0 + ih, x0 : x0 + iw] = small
    return out, (y0, x0, y0 + ih, x0 + iw)


def smooth(h, w, seed):
    """A picture of soft gradients (a sky, a face): no edges at all."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    ch = [np.sin(x * rng.uniform(1, 4) + y * rng.uniform(1, 4) + rng.uniform(0, 6)) for _ in range(3)]
    return ((np.stack(ch, -1) + 1) * 127).astype(np.uint8)


@pytest.mark.parametrize("top", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("share", [0.3, 0.45, 0.6])
def test_a_corner_inset_is_found_where_it_is(top, left, share):
    shot, _ = pip(smooth(270, 480, 1) // 2 + 128, shapes(270, 480, 2) // 3, share, top, left)
    picture, box = pip(smooth(270, 480, 1) // 2 + 128, smooth(270, 480, 3) // 3, share, top, left)
    for p in (shot, picture):
        got = find_inset(p)
        assert got is not None
        assert np.abs(np.subtract(got, box)).max() <= 3, (got, box)


def test_pictures_without_an_inset_have_none():
    assert find_inset(smooth(270, 480, 4)) is None
    assert find_inset(shapes(270, 480, 5)) is None  # busy everywhere: no long line
    line = smooth(270, 480, 6)
    line[:, 200:] = 255 - line[:, 200:]  # one edge the whole height, no corner
    assert find_inset(line) is None
    tall = smooth(270, 480, 7) // 2 + 128
    tall[:190, :120] = smooth(190, 120, 8) // 3  # a tall panel in the corner: not a video's shape
    assert find_inset(tall) is None
    video = smooth(270, 480, 7) // 2 + 128
    video[:108, :192] = smooth(108, 192, 8) // 3  # the same place, a video's shape
    assert find_inset(video) is not None
    assert find_inset(np.zeros((12, 300, 3), np.uint8)) is None  # too small to hold one
    assert find_inset(np.zeros((270, 480), np.uint8)) is None  # not (H, W, C)


def test_an_inset_too_small_or_too_large_is_not_one():
    for share in (0.1, 0.85):
        picture, _ = pip(smooth(270, 480, 9), smooth(270, 480, 10), share, False, True)
        assert find_inset(picture) is None, share


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.25, 0.6), st.booleans(), st.booleans(),
       st.sampled_from([(270, 480), (480, 640), (540, 960), (200, 200)]))
def test_inset_box_property(seed, share, top, left, size):
    h, w = size
    picture, box = pip(smooth(h, w, seed) // 3, smooth(h, w, seed + 1) // 2 + 128, share, top, left)
    got = find_inset(picture)
    assert got is not None
    tol = max(3, int(round(max(h, w) / 192 * 2)))  # two pixels of the searched size
    assert np.abs(np.subtract(got, box)).max() <= tol, (got, box)
    assert 0 <= got[0] < got[2] <= h and 0 <= got[1] < got[3] <= w


def test_the_picture_is_searched_at_192_pixels_its_boxes_averaged():
    from latentcut.retrieval.insets import _small

    assert _small(np.zeros((1080, 1920, 3), np.uint8)).shape == (108, 192, 3)
    assert _small(np.zeros((2000, 20, 3), np.uint8)).shape == (192, 8, 3)  # never under 8 pixels
    assert _small(np.zeros((100, 150, 3), np.uint8)).shape == (100, 150, 3)  # smaller pictures stay
    stripes = np.zeros((384, 384, 3), np.uint8)
    stripes[:, 1::2] = 255
    np.testing.assert_allclose(_small(stripes), 127.5, atol=0.5)  # box filter: each pair's mean


def test_a_line_is_a_step_of_at_least_jump_above_its_neighbours():
    from latentcut.retrieval.insets import JUMP, _line, _steps

    step = np.array([[0, 0, JUMP, 0, 0], [0, JUMP - 1, 0, 0, 0], [JUMP, JUMP, JUMP, JUMP, JUMP], [0, 5, JUMP, 5, 0]],
                    np.float32)
    np.testing.assert_array_equal(_line(step), [[0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 0]])
    flat = np.zeros((4, 6, 3), np.float32)
    flat[:, 3:] = 100  # an edge between columns 2 and 3
    np.testing.assert_array_equal(_steps(flat)[0], [0, 100, 100, 100, 0])  # the ends are 0, not the picture's
    assert _steps(flat).shape == (4, 5)


def test_an_inset_narrower_or_lower_than_a_fifth_is_not_one():
    for hs, ws in ((0.2, 0.15), (0.15, 0.2)):  # a video's shape give or take, but too small
        picture = np.zeros((270, 480, 3), np.uint8)
        picture[: int(270 * hs), : int(480 * ws)] = 200
        assert find_inset(picture) is None, (hs, ws)
        picture[: int(270 * 0.25), : int(480 * 0.25)] = 200
        assert find_inset(picture) is not None


def test_the_smallest_picture_searched_is_16_pixels():
    picture = np.zeros((16, 28, 3), np.uint8)
    picture[:8, :14] = 255
    assert find_inset(picture) == (0, 0, 8, 14)
    assert find_inset(picture[:15]) is None
