"""Reference statistics files in pytorch-fid's `.npz` layout (`mu`, `sigma`)."""

import os

import numpy as np

from keras_gan_layers.api_export import keras_gan_export


def _check(mu, sigma, where):
    for name, value in (("mu", mu), ("sigma", sigma)):
        kind = np.asarray(value).dtype.kind
        if kind not in "iuf":
            raise ValueError(
                f"{where}: {name} must hold real numbers. Received dtype "
                f"{np.asarray(value).dtype}."
            )
    mu = np.asarray(mu, np.float64)
    sigma = np.asarray(sigma, np.float64)
    if mu.ndim != 1 or len(mu) == 0 or sigma.shape != (len(mu), len(mu)):
        raise ValueError(
            f"{where}: mu must be a vector (d,) and sigma a (d, d) matrix. "
            f"Received shapes {mu.shape} and {sigma.shape}."
        )
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma))):
        raise ValueError(f"{where}: mu and sigma must be finite (no NaN or inf).")
    return mu, sigma


@keras_gan_export()
def save_statistics(path, mu, sigma, extractor=None):
    """Write FID statistics to `path` in pytorch-fid's `.npz` layout.

    The file holds `mu` `(d,)` and `sigma` `(d, d)` (float64), the keys
    pytorch-fid's `--save-stats` writes and its `calculate_frechet_distance`
    reads, so files go both ways; `extractor` (a description such as
    `InceptionFeatureExtractor.description`) is stored as one more key,
    which pytorch-fid ignores, so that a mismatch can be reported later.

    Args:
        path: File path; `.npz` is appended when missing (as numpy does).
        mu: Mean feature vector `(d,)`.
        sigma: Covariance `(d, d)`.
        extractor: Optional text naming the extractor and resize.

    Returns:
        The path written (ending in `.npz`).

    Raises:
        ValueError: shapes that do not fit or non-finite values.

    Example:

    ```python
    stats = FeatureStatistics()
    stats.update(features)
    save_statistics("cifar10.npz", stats.mean(), stats.covariance(),
                    extractor=extractor.description)
    ```
    """
    mu, sigma = _check(mu, sigma, "save_statistics")
    arrays = {"mu": mu, "sigma": sigma}
    if extractor is not None:
        arrays["extractor"] = np.asarray(str(extractor))
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    np.savez(path, **arrays)
    return path


@keras_gan_export()
def load_statistics(path):
    """Read `(mu, sigma, extractor)` from a pytorch-fid-style `.npz` file.

    Args:
        path: A `.npz` file with `mu` `(d,)` and `sigma` `(d, d)`, as
            written by `save_statistics`, pytorch-fid's `--save-stats` or
            clean-fid's reference statistics.

    Returns:
        `(mu, sigma, extractor)`: float64 arrays and the stored extractor
        description, or None when the file has none (pytorch-fid's files).

    Raises:
        ValueError: a missing file, a file that is not `.npz`, missing
            `mu`/`sigma` keys, wrong shapes or non-finite values.

    Example:

    ```python
    mu, sigma, extractor = load_statistics("cifar10.npz")
    ```
    """
    path = os.fspath(path)
    if not os.path.isfile(path) and os.path.isfile(path + ".npz"):
        path += ".npz"  # save_statistics("x") writes x.npz, as numpy does
    if not os.path.isfile(path):
        raise ValueError(f"Statistics file {path!r} does not exist.")
    try:
        data = np.load(path, allow_pickle=False)
        if not hasattr(data, "files"):
            raise ValueError(
                f"Statistics file {path!r} holds one array; expected a .npz "
                "with 'mu' and 'sigma' (pytorch-fid's layout)."
            )
        missing = [k for k in ("mu", "sigma") if k not in data.files]
        if missing:
            raise ValueError(
                f"Statistics file {path!r} lacks {missing}; it has {data.files}. "
                "Expected 'mu' (d,) and 'sigma' (d, d), pytorch-fid's layout."
            )
        mu, sigma = data["mu"], data["sigma"]
        extractor = str(data["extractor"]) if "extractor" in data.files else None
    except ValueError as e:
        if str(e).startswith(f"Statistics file {path!r}"):
            raise
        raise ValueError(
            f"Could not read statistics file {path!r} as .npz with 'mu' and "
            f"'sigma' arrays ({type(e).__name__}: {e})."
        ) from None
    except Exception as e:
        raise ValueError(
            f"Could not read statistics file {path!r} as .npz with 'mu' and "
            f"'sigma' arrays ({type(e).__name__}: {e})."
        ) from None
    mu, sigma = _check(mu, sigma, f"Statistics file {path!r}")
    return mu, sigma, extractor


def as_reference_statistics(value, caller):
    """A path or a `(mu, sigma)` pair -> `(mu, sigma, extractor or None)`."""
    if isinstance(value, (str, os.PathLike)):
        return load_statistics(value)
    if isinstance(value, (tuple, list)) and len(value) in (2, 3):
        mu, sigma = _check(value[0], value[1], f"{caller} reference_statistics")
        stored = value[2] if len(value) == 3 else None
        return mu, sigma, (None if stored is None else str(stored))
    raise ValueError(
        f"{caller} reference_statistics must be a path to a .npz with 'mu' and "
        f"'sigma' or a (mu, sigma) pair. Received {type(value).__name__}."
    )
