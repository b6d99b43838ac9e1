"""PacGAN packing: the discriminator judges several samples at once."""

import numpy as np
from keras import ops


def check_pack(pack):
    if isinstance(pack, bool) or not isinstance(pack, (int, np.integer)) or pack < 1:
        raise ValueError(
            "pack must be an integer >= 1 (the number of samples the "
            f"discriminator judges together; 1: no packing). Received: pack={pack!r}"
        )
    return int(pack)


def pack_samples(x, pack):
    """PacGAN packing: `(n, *shape, c)` -> `(n // pack, *shape, c * pack)`.

    Sample `j` of each group of `pack` consecutive samples fills features
    `j * c ... (j + 1) * c - 1` of the last axis (concatenation along
    channels, or along features for vectors). A batch whose size is not a
    multiple of `pack` loses its last `n % pack` samples.
    """
    if pack == 1:
        return x
    shape = ops.shape(x)
    n = shape[0] // pack
    x = x[: n * pack]
    rest = tuple(shape[1:])
    x = ops.reshape(x, (n, pack, *rest))
    rank = len(rest) + 2
    # (n, pack, ..., c) -> (n, ..., pack, c) -> (n, ..., pack * c)
    perm = (0, *range(2, rank - 1), 1, rank - 1)
    x = ops.transpose(x, perm)
    return ops.reshape(x, (n, *rest[:-1], rest[-1] * pack))
