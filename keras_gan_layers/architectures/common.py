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
        raise ValueError(f"{builder} needs {name} >= 1. Received: {name}={value}")
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
