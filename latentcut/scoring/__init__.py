"""Embeddings -> score curves: distances, the curves along a video, and the yardstick that makes them comparable."""
