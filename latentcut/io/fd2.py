"""File descriptor 2 sent elsewhere for a while: native libraries (Ray's C++ core, FAISS) write
their chatter there directly, past Python's ``sys.stderr``."""
from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def stderr_to(f):
    """Standard error, the descriptor, into the open binary file ``f`` until the block ends."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(f.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
