"""Input checks shared by the metric functions, the evaluation paths and `GAN.fit`."""

import numpy as np


def as_features(x, name):
    """`x` as a finite float64 matrix `(n, d)`, or a ValueError naming `name`."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of features (samples, dimensions). "
            f"Received shape {x.shape}."
        )
    if len(x) == 0:
        raise ValueError(f"{name} is empty (shape {x.shape}).")
    if not np.all(np.isfinite(x)):
        bad = int(np.sum(~np.isfinite(x).all(axis=1)))
        raise ValueError(
            f"{name} holds NaN or infinite values ({bad} of {len(x)} rows)."
        )
    return x


def same_dimension(a, b, names):
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same feature dimension. "
            f"Received {a.shape[1]} and {b.shape[1]}."
        )


#: The range of the images every evaluation path takes (a tanh generator's
#: output; what the feature extractors expect).
IMAGE_RANGE = (-1.0, 1.0)


def check_images(
    images, what, caller, data_range=IMAGE_RANGE, range_name=None, skip_hint=None
):
    """Raise unless `images` are finite floats in `data_range`.

    The one check of real images shared by `GAN.fit` and the evaluation
    paths (the streaming metrics' `update_state`, `GANEvaluation`,
    `keras-gan evaluate`, `GANHyperModel`): 8-bit or other integer images,
    NaN or inf, and values outside `data_range` (beyond a slack of 0.1% of
    its width) raise a ValueError that names what was received, what is
    accepted and how to rescale.

    Args:
        images: Numpy array (or anything `np.asarray` takes).
        what: What they are, for the message (`"real images"`).
        caller: Who expects them (`"GAN"`, `"FrechetDistance"`).
        data_range: `(low, high)` accepted.
        range_name: The caller's argument that sets `data_range`, named in
            the message, or None when the range is fixed.
        skip_hint: How to change or skip the check, appended to the
            rescaling advice, or None.

    Raises:
        ValueError: integer, boolean or non-numeric images, empty images,
            NaN or infinite values, values outside `data_range`.
    """
    array = np.asarray(images)
    low, high = data_range
    setting = f" ({range_name})" if range_name else ""
    alternative = f", or {skip_hint}" if skip_hint else ""
    accepted = f"floats in [{low}, {high}]{setting}"
    if array.size == 0:
        raise ValueError(f"{caller} received empty {what} (shape {array.shape}).")
    if array.dtype.kind in "iub":
        raise ValueError(
            f"{caller} expects {what} as {accepted}, like the generator's "
            f"tanh output. Received {array.dtype} values in [{array.min()}, "
            f"{array.max()}]. Scale 8-bit images with "
            "keras_gan_layers.datasets.scale_images(x) (x / 127.5 - 1)"
            f"{alternative}."
        )
    if array.dtype.kind == "V" and "float" in array.dtype.name:
        array = array.astype(np.float32)  # bfloat16 (ml_dtypes), as JAX gives
    if array.dtype.kind != "f":
        raise ValueError(
            f"{caller} expects {what} as {accepted}. Received dtype {array.dtype}."
        )
    finite = np.isfinite(array)
    if not finite.all():
        rows = finite.reshape(len(array), -1).all(axis=1) if array.ndim else finite
        raise ValueError(
            f"{caller} received non-finite values (NaN or inf) in "
            f"{int(np.sum(~rows))} of {rows.size} {what}. It accepts finite "
            f"{accepted}."
        )
    lo, hi = float(np.min(array)), float(np.max(array))
    tol = 1e-3 * (high - low)
    if lo < low - tol or hi > high + tol:
        raise ValueError(
            f"{caller} expects {what} in [{low}, {high}]{setting}. Received "
            f"values in [{lo:g}, {hi:g}]. Rescale them (for images in [0, 255]: "
            f"keras_gan_layers.datasets.scale_images(x)){alternative}."
        )
