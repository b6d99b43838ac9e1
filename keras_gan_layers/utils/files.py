"""File-system checks shared by callbacks and the CLI."""

import os


def make_writable_directory(path):
    """Create `path` if needed and prove this process can write a file in it.

    Raises:
        OSError: the folder cannot be created or written to (read-only file
            system, a file in the way, no permission).
    """
    os.makedirs(path, exist_ok=True)
    probe = os.path.join(path, ".keras-gan-write-test")
    with open(probe, "w") as f:
        f.write("ok")
    os.remove(probe)
    return path
