"""Checks on the real data handed to `GAN.fit`, run before any training."""

import types

import numpy as np


def _first_array(element):
    """The images of one element of a dataset: `x`, `(x,)` or `(x, y, ...)`."""
    if isinstance(element, dict):
        raise ValueError(
            "GAN.fit expects batches of images (or (images, labels) tuples). "
            f"Received a dict with keys {sorted(element)}."
        )
    if isinstance(element, (tuple, list)):
        if not element:
            raise ValueError("GAN.fit received an empty batch structure.")
        return element[0]
    return element


def check_range(array, data_range, what):
    """Raise if `array` is integer-typed or outside `data_range`."""
    array = np.asarray(array)
    low, high = data_range
    if array.dtype.kind in "iub":
        raise ValueError(
            f"GAN expects real {what} as floats in [{low}, {high}] "
            f"(data_range), like the generator's tanh output. Received "
            f"{array.dtype} values in [{array.min()}, {array.max()}]. Scale "
            "8-bit images with keras_gan_layers.datasets.scale_images(x) "
            "(x / 127.5 - 1), or pass data_range=None to GAN to skip this "
            "check."
        )
    if array.size == 0:
        raise ValueError(f"GAN.fit received empty {what} (shape {array.shape}).")
    lo, hi = float(np.min(array)), float(np.max(array))
    tol = 1e-3 * (high - low)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"GAN.fit received non-finite values in the {what}.")
    if lo < low - tol or hi > high + tol:
        raise ValueError(
            f"GAN expects real {what} in [{low}, {high}] (data_range). "
            f"Received values in [{lo:g}, {hi:g}]. Rescale them (for images in "
            "[0, 255]: keras_gan_layers.datasets.scale_images(x)), or pass "
            "data_range=(low, high) or None to GAN."
        )


def check_real_data(x, data_range, what="images"):
    """Check `x` as given to `fit`; return what `fit` should use instead.

    Arrays are checked whole. A `tf.data.Dataset` or `keras.utils.PyDataset`
    is checked on its first batch; a Python generator is checked on its first
    batch, which is then put back in front of the rest.
    """
    if data_range is None or x is None:
        return x
    if isinstance(x, types.GeneratorType):
        first = next(x)
        check_range(_first_array(first), data_range, what)
        return _put_back(first, x)
    if hasattr(x, "element_spec") and hasattr(x, "take"):  # tf.data.Dataset
        for element in x.take(1):
            check_range(_as_numpy(_first_array(element)), data_range, what)
        return x
    if (
        hasattr(x, "__getitem__")
        and hasattr(x, "on_epoch_end")
        and hasattr(x, "num_batches")
    ):  # keras.utils.PyDataset
        check_range(_as_numpy(_first_array(x[0])), data_range, what)
        return x
    if isinstance(x, (tuple, list)) and x and not np.isscalar(x[0]):
        check_range(_as_numpy(x[0]), data_range, what)
        return x
    check_range(_as_numpy(x), data_range, what)
    return x


def _put_back(first, rest):
    yield first
    yield from rest


def _as_numpy(value):
    if hasattr(value, "numpy"):
        return value.numpy()
    return np.asarray(value)
