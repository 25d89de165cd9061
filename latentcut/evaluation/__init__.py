"""Evaluation against labelled boundaries: P/R/F1 with a frame tolerance, and accuracy@N."""
from latentcut.evaluation.boundaries import BoundaryScores, accuracy_at_n, evaluate, match, predictions_from_json
from latentcut.evaluation.labels import ClipLabels, Interval, find_clip, load_labels

__all__ = ["ClipLabels", "Interval", "BoundaryScores", "accuracy_at_n", "evaluate", "find_clip", "load_labels", "match", "predictions_from_json"]

