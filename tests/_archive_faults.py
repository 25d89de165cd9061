"""A worker that dies the first time it meets a chosen video (imported by Ray's workers by name)."""
import os

from latentcut.archive.worker import VideoEmbedder


class DiesOnce(VideoEmbedder):
    def one(self, path):
        marker = os.path.join(os.path.dirname(self.shards), "died")  # beside the archive's shards
        if os.path.basename(path) == "die.mp4" and not os.path.exists(marker):
            with open(marker, "w") as f:
                f.write(str(os.getpid()))
            os._exit(1)  # the actor's process is gone mid-video, as when a machine is lost
        return super().one(path)
