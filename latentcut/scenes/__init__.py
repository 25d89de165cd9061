"""Shots -> scenes: grouping consecutive shots that belong together.

Until version 0.1 this path held the detection results (``Cut``, ``Scene``, ``DetectionResult``);
those now live in :mod:`latentcut.detection.results` and are handed out here, with a warning, for
one release.
"""
from latentcut.scenes.grouping import SceneGroup, group_shots, shot_vectors

__all__ = ["SceneGroup", "group_shots", "shot_vectors"]

_OLD = {"Cut", "Scene", "Shot", "DetectionResult", "build_scenes"}


def __getattr__(name):
    if name in _OLD:
        import warnings

        from latentcut.detection import results

        warnings.warn(f"latentcut.scenes.{name} has moved to latentcut.detection.results; the old path will be "
                      "removed in the next release", DeprecationWarning, stacklevel=2)
        return getattr(results, name)
    raise AttributeError(f"module 'latentcut.scenes' has no attribute {name!r}")
