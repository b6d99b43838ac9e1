"""Input checks shared by the metric functions."""

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
