"""latentcut: shot-change detection in a learned latent space.

video -> frames (:mod:`latentcut.io`) -> embeddings (:mod:`latentcut.encoders`) -> distances and score
curves (:mod:`latentcut.scoring`) -> cuts and shots (:mod:`latentcut.detection`) -> scenes
(:mod:`latentcut.scenes`); retrieval, maps, evaluation and exports beside it. The names here are the
public API (docs/python.md); ``SceneLibrary`` loads FAISS on first use.
"""
import importlib

from latentcut.component import Component
from latentcut.detection.fades import FadeFinder
from latentcut.detection.pipeline import ShotDetector, detect
from latentcut.detection.results import Cut, DetectionResult, Shot
from latentcut.detection.streaming import ScoredVideo
from latentcut.detection.thresholders import Thresholder, create_thresholder, list_thresholders
from latentcut.detection.verifiers import Verifier
from latentcut.embeddings import Embeddings
from latentcut.encoders import Encoder, create_encoder, list_encoders
from latentcut.errors import LatentcutError, TruncatedVideoWarning, VideoError
from latentcut.evaluation import BoundaryScores, accuracy_at_n, evaluate, load_labels
from latentcut.exports.edl import write_edl
from latentcut.exports.fcpxml import write_fcpxml
from latentcut.exports.tables import write_curve_csv, write_json, write_shots_csv
from latentcut.io.timecode import Timecode
from latentcut.io.video import VideoReader, probe
from latentcut.scenes import group_shots
from latentcut.scoring.curves import ScoreCurve, score_curve
from latentcut.scoring.distances import Distance, create_distance, gaussian_kl, list_distances

__version__ = "0.2.0"

#: Names that load an optional part (FAISS, OpenTimelineIO) when first used, so ``import latentcut`` stays light.
_LAZY = {"SceneLibrary": "latentcut.retrieval.library", "write_otio": "latentcut.exports.otio",
         "write_fcp7": "latentcut.exports.otio"}

__all__ = [
    "BoundaryScores", "Component", "Cut", "DetectionResult", "Distance", "Embeddings", "Encoder", "FadeFinder",
    "LatentcutError", "SceneLibrary", "ScoreCurve", "ScoredVideo", "Shot", "ShotDetector", "Thresholder", "Timecode",
    "TruncatedVideoWarning", "Verifier", "VideoError", "VideoReader", "accuracy_at_n", "create_distance",
    "create_encoder", "create_thresholder", "detect", "evaluate", "gaussian_kl", "group_shots", "list_distances",
    "list_encoders", "list_thresholders", "load_labels", "probe", "score_curve", "write_curve_csv", "write_edl",
    "write_fcp7", "write_fcpxml", "write_json", "write_otio", "write_shots_csv",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'latentcut' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
