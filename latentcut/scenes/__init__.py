"""Shots -> scenes: grouping consecutive shots that belong together."""
from latentcut.scenes.grouping import SceneGroup, group_shots, shot_vectors

__all__ = ["SceneGroup", "group_shots", "shot_vectors"]
