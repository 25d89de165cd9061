"""Deprecated: the embedding cache lives in :mod:`latentcut.cache` with the rest of the cache (kept for one release)."""
import warnings

from .cache import FORMAT, CachedEmbeddings, EmbeddingCache  # noqa: F401

warnings.warn("latentcut.embcache is deprecated; use latentcut.cache", DeprecationWarning, stacklevel=2)
