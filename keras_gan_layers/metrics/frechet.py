"""Frechet distance between Gaussians (FID) and streaming feature statistics."""

import numpy as np

from keras_gan_layers.metrics.checks import as_features


def _psd_sqrt(matrix):
    """Symmetric square root of a symmetric PSD matrix (negative eigenvalues -> 0)."""
    values, vectors = np.linalg.eigh(matrix)
    values = np.sqrt(np.clip(values, 0.0, None))
    return (vectors * values) @ vectors.T


def trace_sqrt_product(sigma1, sigma2):
    """`tr(sqrtm(sigma1 @ sigma2))` for symmetric PSD matrices, from eigenvalues.

    `sigma1 @ sigma2` is similar to the symmetric PSD matrix
    `A = sqrt(sigma1) sigma2 sqrt(sigma1)`, so the trace of its square root is
    the sum of the square roots of A's eigenvalues. No complex arithmetic,
    no iterative `sqrtm`; stays finite when the covariances are singular
    (fewer samples than dimensions).
    """
    root1 = _psd_sqrt(sigma1)
    a = root1 @ sigma2 @ root1
    a = (a + a.T) / 2.0
    return float(np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(a), 0.0, None))))


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2).

    `||mu1 - mu2||^2 + tr(sigma1) + tr(sigma2) - 2 tr(sqrt(sigma1 sigma2))`,
    in float64. Applied to Inception features this is the FID. Agrees with
    pytorch-fid's `scipy.linalg.sqrtm` route on well-conditioned inputs and
    stays finite and non-negative on singular covariances.

    Args:
        mu1, mu2: Mean vectors `(d,)`.
        sigma1, sigma2: Covariance matrices `(d, d)`.

    Returns:
        A non-negative float.

    Example:

    ```python
    fid = frechet_distance(mu_real, sigma_real, mu_fake, sigma_fake)
    ```

    Reference:
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    - [Dowson & Landau, 1982](https://doi.org/10.1016/0047-259X(82)90077-X)
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    d = mu1.shape[-1] if mu1.ndim else 0
    if mu1.ndim != 1 or mu2.shape != mu1.shape:
        raise ValueError(
            f"mu1 and mu2 must be vectors of the same length. Received shapes "
            f"{mu1.shape} and {mu2.shape}."
        )
    if sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            f"sigma1 and sigma2 must be ({d}, {d}) matrices to match the means. "
            f"Received shapes {sigma1.shape} and {sigma2.shape}."
        )
    for name, value in (
        ("mu1", mu1),
        ("mu2", mu2),
        ("sigma1", sigma1),
        ("sigma2", sigma2),
    ):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name} holds NaN or infinite values.")
    diff = mu1 - mu2
    value = (
        diff @ diff
        + np.trace(sigma1)
        + np.trace(sigma2)
        - 2.0 * trace_sqrt_product(sigma1, sigma2)
    )
    return float(max(value, 0.0))


class FeatureStatistics:
    """Streaming mean and unbiased covariance of feature batches, in float64.

    Memory does not grow with the number of samples: it keeps the count and
    the sums of `x - shift` and of its outer products, where `shift` is the
    first batch's mean (which keeps the sums small and the covariance
    accurate). Results do not depend on how the samples are batched.

    Example:

    ```python
    stats = FeatureStatistics()
    for batch in feature_batches:
        stats.update(batch)
    mu, sigma = stats.mean(), stats.covariance()
    ```
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self.count = 0
        self.dim = None
        self._shift = None
        self._sum = None
        self._outer = None

    def update(self, features):
        x = as_features(features, "features")
        if self.dim is None:
            self.dim = x.shape[1]
            self._shift = x.mean(axis=0)
            self._sum = np.zeros(self.dim)
            self._outer = np.zeros((self.dim, self.dim))
        elif x.shape[1] != self.dim:
            raise ValueError(
                f"Feature dimension changed from {self.dim} to {x.shape[1]}."
            )
        centred = x - self._shift
        self.count += len(x)
        self._sum += centred.sum(axis=0)
        self._outer += centred.T @ centred

    def mean(self):
        self._require(1)
        return self._shift + self._sum / self.count

    def covariance(self):
        """Unbiased (N - 1) covariance."""
        self._require(2)
        m = self._sum / self.count
        cov = (self._outer - self.count * np.outer(m, m)) / (self.count - 1)
        return (cov + cov.T) / 2.0

    def _require(self, n):
        if self.count < n:
            raise ValueError(
                f"Need at least {n} samples for these statistics; have {self.count}."
            )
