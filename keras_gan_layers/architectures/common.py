"""Argument checks shared by the network builders."""

import numpy as np


def image_shape_arg(image_shape, num_blocks, builder):
    try:
        shape = tuple(int(d) for d in image_shape)
    except TypeError:
        shape = ()
    factor = 2**num_blocks
    if (
        len(shape) != 3
        or shape[2] not in (1, 3)
        or shape[0] % factor
        or shape[1] % factor
        or min(shape) < 1
    ):
        raise ValueError(
            f"{builder} needs image_shape=(height, width, channels) with "
            f"height and width divisible by 2**num_blocks={factor} and 1 or 3 "
            f"channels. Received: image_shape={image_shape}, "
            f"num_blocks={num_blocks}"
        )
    return shape


def positive_int(value, name, builder):
    if (
        isinstance(value, bool)
        or not np.isscalar(value)
        or int(value) != value
        or value < 1
    ):
        raise ValueError(f"{builder} needs {name} >= 1. Received: {name}={value!r}")
    return int(value)


def normalization_layer(kind, builder):
    import keras

    if kind is None or kind == "none":
        return None
    if kind == "batch":
        return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    if kind == "layer":
        return keras.layers.LayerNormalization()
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1)
    raise ValueError(
        f"{builder} normalization must be None, 'batch', 'layer' or "
        f"'instance'. Received: normalization={kind!r}"
    )


def progressive_image_shape(image_shape, num_blocks, builder):
    """`(shape, num_blocks)` for networks that halve the size block by block.

    With `num_blocks=None` the height and width must be `4 * 2**n` (n >= 1,
    e.g. 8, 16, 32, 64), the smaller giving `n` blocks down to 4; with an
    int, both must be divisible by `2**num_blocks` (so 28x28 works with
    `num_blocks=2`, from 7x7).
    """
    if num_blocks is not None:
        num_blocks = positive_int(num_blocks, "num_blocks", builder)
        return image_shape_arg(image_shape, num_blocks, builder), num_blocks
    shape = image_shape_arg(image_shape, 0, builder)

    def blocks(size):
        n = 0
        while size > 4 and size % 2 == 0:
            size //= 2
            n += 1
        return n if size == 4 and n >= 1 else None

    n = blocks(min(shape[:2]))
    if n is None or blocks(max(shape[:2])) is None:
        raise ValueError(
            f"{builder} needs an image height and width of 4 * 2**n (8, 16, 32, "
            "64, ...) when num_blocks is None; for other sizes pass num_blocks "
            "(height and width divisible by 2**num_blocks). "
            f"Received: image_shape={image_shape}"
        )
    return shape, n


def level_filters(filters, max_filters, level):
    """Channels `level` halvings below the full resolution: doubling, capped."""
    return min(filters * 2**level, max_filters)
