"""Reading video and images, sampling frames, file identity, tensors on disk, atomic writes, timecodes and output writers."""
