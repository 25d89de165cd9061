"""The minimum-shot-length rule: strongest first, exactly at the spacing. Each exact assertion was added for a mutant that survived ``mutmut run``
(docs/testing.md).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latentcut.detection.spacing import select_spaced

pytestmark = pytest.mark.mutation  # in mutmut's selection: fast, in-process


def test_select_spaced_strongest_first_and_limits():
    s = np.array([0, 5, 9, 1, 0, 0, 7, 0.0])
    assert select_spaced(np.array([1, 2, 3, 6]), s, 2).tolist() == [2, 6]
    assert select_spaced(np.array([1, 2, 3, 6]), s, 1).tolist() == [1, 2, 3, 6]
    assert select_spaced(np.array([1, 2, 6]), s, 1, limit=2).tolist() == [2, 6]
    assert select_spaced(np.array([1, 2, 6]), s, 5).tolist() == [2]
    assert select_spaced(np.array([1, 3]), np.array([0, 4, 0, 4.0]), 2).tolist() == [1, 3]
    assert select_spaced(np.array([1, 2]), np.array([0, 4, 4.0]), 2).tolist() == [1]  # tie: the earlier
    assert select_spaced(np.zeros(0, np.int64), s, 3).tolist() == []


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


def test_spaced_from_is_strict_at_the_spacing():
    from latentcut.detection.spacing import spaced_from

    assert spaced_from(10, [7, 13], 3) and not spaced_from(10, [8], 3) and not spaced_from(10, [12], 3)
    assert spaced_from(10, [], 50) and not spaced_from(10, [10], 1) and spaced_from(10, [9], 1)
