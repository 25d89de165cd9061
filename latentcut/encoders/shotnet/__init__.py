"""shotnet: an encoder trained without labels to tell shots apart, with NumPy inference. The
network (:mod:`.model`), its training (:mod:`.training`) and the encoder (:mod:`.encoder`)."""
from latentcut.encoders.shotnet.encoder import SHIPPED, ShotNetEncoder, read_shotnet, write_shotnet
from latentcut.encoders.shotnet.model import ARCHITECTURE, NumpyShotNet, ShotNetConfig

__all__ = ["ARCHITECTURE", "SHIPPED", "NumpyShotNet", "ShotNetConfig", "ShotNetEncoder", "read_shotnet", "write_shotnet"]
