"""Precision, recall, density and coverage of generated features."""

import numpy as np

from keras_gan_layers.metrics.checks import as_features, same_dimension


def _distances(a, b, chunk=2048):
    out = np.empty((len(a), len(b)))
    b_sq = np.sum(b * b, axis=1)
    for i in range(0, len(a), chunk):
        part = a[i : i + chunk]
        d2 = np.sum(part * part, axis=1)[:, None] + b_sq[None, :] - 2.0 * part @ b.T
        out[i : i + chunk] = np.sqrt(np.clip(d2, 0.0, None))
    return out


def _knn_radii(x, k):
    d = _distances(x, x)
    # Column 0 of the sorted rows is the point itself (distance 0).
    return np.partition(d, k, axis=1)[:, k]


def precision_recall_density_coverage(real_features, fake_features, k=5):
    """Precision, recall (Kynkaanniemi et al.), density and coverage (Naeem et al.).

    Each real sample gets the radius of its k-th nearest real neighbour (and
    each fake sample the radius among fakes, for recall). Precision is the
    fraction of fakes inside some real ball; recall the fraction of reals
    inside some fake ball; density counts, per fake, the real balls it falls
    in, divided by `k` and averaged; coverage is the fraction of real balls
    that hold at least one fake.

    Args:
        real_features: Array `(n, d)`.
        fake_features: Array `(m, d)`.
        k: Neighbourhood size (5 in both papers).

    Returns:
        Dict with `precision`, `recall`, `density`, `coverage` (floats).

    Example:

    ```python
    scores = precision_recall_density_coverage(real_feats, fake_feats, k=5)
    ```

    Reference:
    - [Kynkaanniemi et al., 2019](https://arxiv.org/abs/1904.06991)
    - [Naeem et al., 2020](https://arxiv.org/abs/2002.09797)
    """
    real = as_features(real_features, "real_features")
    fake = as_features(fake_features, "fake_features")
    same_dimension(real, fake, ("real_features", "fake_features"))
    k = int(k)
    if k < 1 or k >= min(len(real), len(fake)):
        raise ValueError(
            f"k must be >= 1 and smaller than both sample counts ({len(real)} real, "
            f"{len(fake)} fake). Received: k={k}"
        )
    real_radii = _knn_radii(real, k)
    fake_radii = _knn_radii(fake, k)
    d_real_fake = _distances(real, fake)  # (n, m)
    inside_real = d_real_fake <= real_radii[:, None]  # fake j inside real ball i
    inside_fake = d_real_fake <= fake_radii[None, :]  # real i inside fake ball j
    return {
        "precision": float(inside_real.any(axis=0).mean()),
        "recall": float(inside_fake.any(axis=1).mean()),
        "density": float(inside_real.sum(axis=0).mean() / k),
        "coverage": float((d_real_fake.min(axis=1) <= real_radii).mean()),
    }
