"""shotnet: an encoder trained without labels to tell shots apart, with NumPy inference. The
network (:mod:`.model`) and the encoder (:mod:`.encoder`); its training needs the detector, so it
lives beside the data's path in :mod:`latentcut.retrieval.shotnet_training`."""
from latentcut.encoders.shotnet.encoder import SHIPPED, ShotNetEncoder, read_shotnet, write_shotnet
from latentcut.encoders.shotnet.model import ARCHITECTURE, NumpyShotNet, ShotNetConfig

__all__ = ["ARCHITECTURE", "SHIPPED", "NumpyShotNet", "ShotNetConfig", "ShotNetEncoder", "read_shotnet", "write_shotnet"]
