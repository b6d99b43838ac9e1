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


def peek_first_batch(x):
    """`(first_element, x)` for a dataset, PyDataset or Python generator.

    A generator's first element is put back in front of the rest (the
    returned `x` replaces the one given); other inputs are returned as they
    are. Arrays and array tuples return `(None, x)`: check them whole.
    """
    if isinstance(x, types.GeneratorType):
        first = next(x)
        return first, _put_back(first, x)
    if hasattr(x, "element_spec") and hasattr(x, "take"):  # tf.data.Dataset
        for element in x.take(1):
            return element, x
        raise ValueError("fit received an empty tf.data.Dataset.")
    if (
        hasattr(x, "__getitem__")
        and hasattr(x, "on_epoch_end")
        and hasattr(x, "num_batches")
    ):  # keras.utils.PyDataset
        return x[0], x
    return None, x


def check_real_data(x, data_range, what="images"):
    """Check `x` as given to `fit`; return what `fit` should use instead.

    Arrays are checked whole. A `tf.data.Dataset` or `keras.utils.PyDataset`
    is checked on its first batch; a Python generator is checked on its first
    batch, which is then put back in front of the rest.
    """
    if data_range is None or x is None:
        return x
    first, x = peek_first_batch(x)
    if first is not None:
        check_range(_as_numpy(_first_array(first)), data_range, what)
        return x
    if isinstance(x, (tuple, list)) and x and not np.isscalar(x[0]):
        check_range(_as_numpy(x[0]), data_range, what)
        return x
    check_range(_as_numpy(x), data_range, what)
    return x


def check_labels(labels, num_classes, what="labels"):
    """Raise unless `labels` are class ids in [0, num_classes) or one-hot rows.

    Accepted: integers of shape `(n,)` or `(n, 1)`; floats or integers of
    shape `(n, num_classes)` whose rows are one-hot.

    Returns:
        The class ids as an int32 numpy array of shape `(n,)`.
    """
    labels = _as_numpy(labels)
    accepted = (
        f"Accepted: integer class ids in [0, {num_classes}) of shape (n,) or "
        f"(n, 1), or one-hot rows of shape (n, {num_classes})."
    )
    if labels.ndim == 2 and labels.shape[1] == num_classes and num_classes > 1:
        if labels.dtype.kind not in "iubf" or not np.all((labels == 0) | (labels == 1)):
            raise ValueError(
                f"{what} of shape {labels.shape} are not one-hot: values other "
                f"than 0 and 1 found. {accepted}"
            )
        if not np.all(labels.sum(axis=1) == 1):
            raise ValueError(
                f"{what} of shape {labels.shape} are not one-hot: some rows do "
                f"not sum to 1. {accepted}"
            )
        return labels.argmax(axis=1).astype("int32")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"{what} have shape {labels.shape}. {accepted}")
    if labels.dtype.kind == "f":
        raise ValueError(
            f"{what} are floats ({labels.dtype}) but not one-hot rows. Cast "
            f"class ids to integers (labels.astype('int32')). {accepted}"
        )
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{what} have dtype {labels.dtype}. {accepted}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{what} must lie in [0, {num_classes}) (num_classes={num_classes}). "
            f"Received values in [{labels.min()}, {labels.max()}]."
        )
    return labels.astype("int32")


def _put_back(first, rest):
    yield first
    yield from rest


def _as_numpy(value):
    if hasattr(value, "numpy"):
        return value.numpy()
    return np.asarray(value)
