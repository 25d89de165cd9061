"""Exceptions. Every error a user can cause is a LatentcutError with a message naming the problem."""


class LatentcutError(Exception):
    """Base class: the CLI prints these as one line and exits with status 2."""


class VideoError(LatentcutError):
    """The video cannot be opened, has no video stream, or decodes to no frames."""


class TruncatedVideoWarning(UserWarning):
    """Decoding stopped early on corrupt or missing data; the frames before it were kept."""


class EmbeddingError(LatentcutError, ValueError):
    """Embeddings are malformed: NaN or infinite values, wrong shape, mismatched sizes."""


class PluginError(LatentcutError, KeyError):
    """An unknown plugin name, or bad parameters for one."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ThresholdError(LatentcutError, ValueError):
    """A thresholder cannot do what was asked (e.g. more cuts than frame pairs)."""


class LabelsError(LatentcutError, ValueError):
    """A labels or predictions file is malformed or names no matching clip."""


class CheckpointError(LatentcutError):
    """A model folder is missing, corrupt, or made for another architecture."""
