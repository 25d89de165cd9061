"""latentcut: shot-change detection in a learned latent space.

video -> frames (:mod:`latentcut.io`) -> embeddings (:mod:`latentcut.encoders`) -> distances and score
curves (:mod:`latentcut.scoring`) -> cuts and shots (:mod:`latentcut.detection`) -> scenes
(:mod:`latentcut.scenes`); retrieval, maps, evaluation and training beside it.
"""
from latentcut.component import Component
from latentcut.detection.pipeline import ShotDetector, detect
from latentcut.detection.results import Cut, DetectionResult, Shot
from latentcut.detection.thresholders import Thresholder, create_thresholder, list_thresholders
from latentcut.encoders import Encoder, create_encoder, list_encoders
from latentcut.embeddings import Embeddings
from latentcut.errors import LatentcutError, TruncatedVideoWarning, VideoError
from latentcut.io.timecode import Timecode
from latentcut.io.video import VideoReader, probe
from latentcut.scoring.distances import Distance, create_distance, list_distances

__version__ = "0.1.0"

__all__ = [
    "Component", "Cut", "DetectionResult", "Distance", "Embeddings", "Encoder", "LatentcutError",
    "ShotDetector", "Shot", "Thresholder", "Timecode", "TruncatedVideoWarning", "VideoError", "VideoReader",
    "create_distance", "create_encoder", "create_thresholder", "detect", "list_distances",
    "list_encoders", "list_thresholders", "probe",
]
