"""latentcut: scene-change detection in a learned latent space.

video -> frames (:mod:`latentcut.video`) -> embeddings (:mod:`latentcut.encoders`) -> distances
(:mod:`latentcut.distances`) -> score curves (:mod:`latentcut.scores`) -> cuts
(:mod:`latentcut.thresholders`, :mod:`latentcut.transitions`) -> scenes (:mod:`latentcut.scenes`).
"""
from .detector import SceneDetector, detect
from .distances import Distance, create_distance, list_distances
from .embeddings import Embeddings
from .encoders import Encoder, create_encoder, list_encoders
from .errors import LatentcutError, TruncatedVideoWarning, VideoError
from .scenes import Cut, DetectionResult, Scene
from .thresholders import Thresholder, create_thresholder, list_thresholders
from .timecode import Timecode
from .video import VideoReader, probe

__version__ = "0.1.0"

__all__ = [
    "Cut", "DetectionResult", "Distance", "Embeddings", "Encoder", "LatentcutError", "Scene",
    "SceneDetector", "Thresholder", "Timecode", "TruncatedVideoWarning", "VideoError", "VideoReader",
    "create_distance", "create_encoder", "create_thresholder", "detect", "list_distances",
    "list_encoders", "list_thresholders", "probe",
]
