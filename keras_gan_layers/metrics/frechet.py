"""Frechet distance between Gaussians (FID) and streaming feature statistics.

`tr sqrt(sigma1 sigma2)`, the only costly term of the distance, is computed
from a Cholesky factor instead of a general matrix square root: for any
factor `sigma1 = F F^T`, `sigma1 sigma2` has the same non-zero eigenvalues
as the symmetric PSD matrix `F^T sigma2 F`, so the trace of its square root
is the sum of the square roots of that matrix's eigenvalues (no
eigenvectors, no complex arithmetic). With `d = 2048` this is about 2.7 d^3
flops in LAPACK's symmetric kernels, against scipy's Schur-based `sqrtm` of
the non-symmetric `sigma1 @ sigma2` (see `benchmarks/fid_speed.py` and the
FID section of `docs/performance.md`).
"""

import numpy as np
import scipy.linalg
from scipy.linalg import blas, lapack

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.metrics.checks import as_features, same_dimension

_EPS = np.finfo(np.float64).eps


def _rank_tolerance(matrix):
    """LAPACK `dpstrf`'s default tolerance: `d * eps * max(diag)`."""
    return len(matrix) * _EPS * max(float(np.max(np.diagonal(matrix))), 0.0)


def _cholesky(matrix):
    """Lower Cholesky factor `(L, perm, rank)` of a symmetric PSD matrix.

    `matrix[perm][:, perm] = L L^T` up to rounding, with `L` stored in the
    first `rank` columns (lower trapezoid; entries above the diagonal and
    past column `rank` are not part of the factor). A plain Cholesky
    (`dpotrf`, no permutation) is tried first; when it fails, or leaves a
    pivot below `dpstrf`'s rank tolerance, the pivoted, rank-revealing
    `dpstrf` factors the matrix to its numerical rank instead, so a
    covariance of `N < d` samples gets a `d x (N - 1)` factor.
    """
    d = len(matrix)
    # The transpose is the same symmetric matrix in Fortran order (no copy
    # by f2py for LAPACK's column-major layout).
    factor, info = lapack.dpotrf(matrix.T, lower=1, clean=0)
    if info == 0 and np.min(np.diagonal(factor)) ** 2 > _rank_tolerance(matrix):
        return factor, None, d
    factor, piv, rank, info = lapack.dpstrf(matrix.T, lower=1)
    if info < 0:  # pragma: no cover - argument error, not a data condition
        raise RuntimeError(f"LAPACK dpstrf failed (info={info}).")
    return factor, piv - 1, int(rank)


def _low_rank_factor(factor, perm, rank):
    """The dense `d x rank` matrix `F` with `F F^T` = the factored matrix."""
    lower = np.tril(factor[:, :rank])
    if perm is None:
        return lower
    out = np.empty_like(lower)
    out[perm] = lower
    return out


def _sum_sqrt_eigenvalues(matrix):
    """Sum of the square roots of a symmetric PSD matrix's eigenvalues.

    Only the lower triangle is read. Eigenvalues only (LAPACK `dsyevr`:
    tridiagonal reduction then `dsterf`; `"ev"`, `"evd"` and `"evx"` ran
    within 2% of it here at d=2048, as they share the reduction, which
    dominates). Eigenvalues below `n * eps * max` count as 0: they are
    rounding noise (e.g. the null space of a singular covariance), and
    their square roots, about `sqrt(eps)` times the largest, would
    otherwise add up over the null space.
    """
    values = scipy.linalg.eigvalsh(
        matrix, lower=True, overwrite_a=True, check_finite=False, driver="evr"
    )
    tolerance = len(values) * _EPS * max(float(values[-1]), 0.0)
    return float(np.sum(np.sqrt(values[values > tolerance])))


def trace_sqrt_product(sigma1, sigma2):
    """`tr(sqrtm(sigma1 @ sigma2))` for symmetric PSD matrices.

    For any factor `sigma1 = F F^T`, `sigma1 sigma2` has the non-zero
    eigenvalues of the symmetric PSD matrix `F^T sigma2 F`, so the trace of
    its square root is the sum of the square roots of their eigenvalues.

    - `sigma1` positive definite: `F` is its Cholesky factor `L` (`dpotrf`)
      and `L^T sigma2 L` comes from LAPACK `dsygst` (d^3 flops, symmetric);
      `eigvalsh` without eigenvectors then dominates (4/3 d^3).
    - `sigma1` singular (e.g. the covariance of fewer samples than
      dimensions): the pivoted Cholesky `dpstrf` stops at its numerical
      rank `r1`, so `F` is `d x r1`; `sigma2` is factored the same way
      (`G`, `d x r2`) and the eigenvalues are those of `K^T K`, `K = G^T F`
      (`r2 x r1`, from `dtrmm` or one product), whose singular values are
      the square roots sought. The cost falls with the ranks.

    Eigenvalues at rounding level (below `n * eps * max`) count as 0, so a
    null space contributes nothing rather than `sqrt(eps)`-sized noise.
    The result is symmetric in the two arguments (to about 1e-12 relative);
    the low-rank route is taken only when `sigma1` is singular, so pass the
    lower-rank matrix first when only one of them is. Only the lower
    triangles are read.

    Args:
        sigma1: Symmetric PSD matrix `(d, d)` (a covariance).
        sigma2: Symmetric PSD matrix `(d, d)`.

    Returns:
        A non-negative float, in the units of the matrices' entries (squared
        feature units for covariances).

    Raises:
        ValueError: matrices that are not square, differ in shape, or hold
            NaN or inf.

    Example:

    ```python
    # Commuting (diagonal) matrices: sum of sqrt(a_i b_i) = 1 * 2 + 3 * 1.
    trace_sqrt_product(np.diag([1.0, 9.0]), np.diag([4.0, 1.0]))  # 5.0
    ```

    Reference:
    - [Dowson & Landau, 1982](https://doi.org/10.1016/0047-259X(82)90077-X)
    """
    sigma1 = np.asarray(sigma1, np.float64)
    sigma2 = np.asarray(sigma2, np.float64)
    if sigma1.ndim != 2 or sigma1.shape[0] != sigma1.shape[1]:
        raise ValueError(
            f"sigma1 must be a square (d, d) matrix. Received shape {sigma1.shape}."
        )
    if sigma2.shape != sigma1.shape:
        raise ValueError(
            f"sigma2 must have sigma1's shape {sigma1.shape}. Received shape "
            f"{sigma2.shape}."
        )
    if not (np.all(np.isfinite(sigma1)) and np.all(np.isfinite(sigma2))):
        raise ValueError("sigma1 and sigma2 must be finite (no NaN or inf).")
    d = len(sigma1)
    if d == 0:
        return 0.0
    c1, p1, r1 = _cholesky(sigma1)
    if r1 == d:
        s2 = sigma2 if p1 is None else sigma2[np.ix_(p1, p1)]
        # itype=2: the lower triangle of s2 becomes L^T s2 L. `s2.T` is the
        # Fortran-order view; overwriting is safe only on our permuted copy.
        m, info = lapack.dsygst(
            s2.T, c1, itype=2, lower=1, overwrite_a=int(p1 is not None)
        )
        return _sum_sqrt_eigenvalues(m)
    if r1 == 0:
        return 0.0
    f1 = _low_rank_factor(c1, p1, r1)
    c2, p2, r2 = _cholesky(sigma2)
    if r2 == 0:
        return 0.0
    if r2 == d:
        rows = f1 if p2 is None else f1[p2]
        # K = L2^T P2^T F1, d x r1, L2 triangular.
        k = blas.dtrmm(1.0, c2, rows, side=0, lower=1, trans_a=1, overwrite_b=1)
    else:
        k = _low_rank_factor(c2, p2, r2).T @ f1
    k = np.asfortranarray(k)
    # Gram of K on its shorter side (same non-zero eigenvalues), lower part.
    gram = blas.dsyrk(1.0, k, trans=int(k.shape[0] >= k.shape[1]), lower=1)
    return _sum_sqrt_eigenvalues(gram)


def _check_statistics(mu1, sigma1, mu2, sigma2):
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
    _check_covariance(sigma1, "sigma1")
    _check_covariance(sigma2, "sigma2")
    return mu1, sigma1, mu2, sigma2


def _check_covariance(sigma, name, rtol=1e-6):
    """Raise unless `sigma` looks like a covariance (O(d^2) necessary checks).

    Symmetric (to `rtol` of the largest variance), a non-negative diagonal,
    and every `|s_ij| <= sqrt(s_ii s_jj)` (Cauchy-Schwarz). Not a full PSD
    test (that costs an eigendecomposition); `frechet_distance` also
    refuses a clearly negative result, the sign of a non-PSD input.
    """
    scale = float(np.max(np.abs(np.diagonal(sigma)), initial=0.0))
    tol = rtol * scale
    if np.max(np.abs(sigma - sigma.T), initial=0.0) > tol:
        raise ValueError(
            f"{name} is not symmetric (largest |s_ij - s_ji| "
            f"{np.max(np.abs(sigma - sigma.T)):.3g}, largest variance "
            f"{scale:.3g}). Accepted: a covariance matrix, e.g. np.cov(x, "
            "rowvar=False) or FeatureStatistics.covariance()."
        )
    diagonal = np.diagonal(sigma)
    if np.min(diagonal, initial=0.0) < -tol:
        raise ValueError(
            f"{name} has a negative variance ({np.min(diagonal):.3g} on its "
            "diagonal); a covariance matrix has none."
        )
    bound = np.sqrt(np.outer(np.clip(diagonal, 0, None), np.clip(diagonal, 0, None)))
    if np.max(np.abs(sigma) - bound, initial=0.0) > tol:
        raise ValueError(
            f"{name} is not positive semi-definite: some |s_ij| exceed "
            "sqrt(s_ii s_jj). Accepted: a covariance matrix."
        )


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2).

    `||mu1 - mu2||^2 + tr(sigma1) + tr(sigma2) - 2 tr(sqrt(sigma1 sigma2))`,
    in float64. Applied to Inception pool features this is the FID. The
    trace term comes from a Cholesky factor and eigenvalues only
    (`trace_sqrt_product`), not from `scipy.linalg.sqrtm`: it agrees with
    pytorch-fid's `sqrtm` route to about 1e-8 relative and was 13x faster
    at d=2048 (10x with one BLAS thread; `benchmarks/fid_speed.py`,
    `docs/performance.md`); on singular covariances
    (fewer samples than dimensions) it stays finite and non-negative and
    gets cheaper with the rank.

    Args:
        mu1: Mean vector `(d,)` of the first distribution (feature units).
        sigma1: Covariance matrix `(d, d)` of the first distribution,
            symmetric PSD (squared feature units).
        mu2: Mean vector `(d,)` of the second distribution.
        sigma2: Covariance matrix `(d, d)` of the second distribution.

    Returns:
        A non-negative float, in squared feature units.

    Raises:
        ValueError: means of different lengths or not vectors, covariances
            that are not `(d, d)`, NaN or infinite values, covariances that
            are not symmetric, have a negative variance or an entry beyond
            `sqrt(s_ii s_jj)`, or a clearly negative result (non-PSD input).

    Example:

    ```python
    fid = frechet_distance(mu_real, sigma_real, mu_fake, sigma_fake)
    ```

    Reference:
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    - [Dowson & Landau, 1982](https://doi.org/10.1016/0047-259X(82)90077-X)
    """
    mu1, sigma1, mu2, sigma2 = _check_statistics(mu1, sigma1, mu2, sigma2)
    diff = mu1 - mu2
    scale = diff @ diff + np.trace(sigma1) + np.trace(sigma2)
    value = scale - 2.0 * trace_sqrt_product(sigma1, sigma2)
    if value < -1e-6 * scale:
        raise ValueError(
            f"The Frechet distance came out negative ({value:.6g}): sigma1 or "
            "sigma2 is not positive semi-definite. Accepted: covariance "
            "matrices (np.cov, FeatureStatistics.covariance())."
        )
    return float(max(value, 0.0))


def _cross_gram_is_cheaper(n1, n2, d):
    """Whether the `n1 x n2` cross-Gram route takes fewer flops.

    Cross-Gram: the product (`2 n1 n2 d`) and its singular values (about
    `4 max(n) min(n)^2`). Statistics: the two covariances (`dsyrk`,
    `(n1 + n2) d^2`) and the full-rank trace (about `8/3 d^3`). Only taken
    when `min(n1, n2) <= d`.
    """
    small, large = sorted((n1, n2))
    if small > d:
        return False
    cross = 2.0 * n1 * n2 * d + 4.0 * large * small**2
    statistics = (n1 + n2) * float(d) ** 2 + 8.0 / 3.0 * float(d) ** 3
    return cross <= statistics


@keras_gan_export()
def frechet_distance_from_features(features1, features2):
    """Frechet distance between the Gaussians fitted to two feature sets.

    Equal to `frechet_distance` of the two sets' means and unbiased
    (N - 1) covariances, but with fewer samples than dimensions it never
    forms a `d x d` matrix: for the centred features `X1` `(N1, d)` and
    `X2` `(N2, d)`, `tr sqrt(sigma1 sigma2)` is the nuclear norm (sum of
    singular values) of the `N1 x N2` cross-Gram matrix
    `X1 X2^T / sqrt((N1 - 1) (N2 - 1))`, and `tr(sigma_i)` is
    `||X_i||_F^2 / (N_i - 1)`. That route is taken when `min(N1, N2) <= d`
    and a flop estimate finds it cheaper (it is not when one set is much
    larger than `d`, e.g. 50,000 real against 2,000 fake samples at
    d=2048); otherwise the covariances are accumulated
    (`FeatureStatistics`, one `dsyrk` each) and passed to
    `trace_sqrt_product`, the smaller set's first, as its covariance has
    the lower rank. Computed in float64.

    Args:
        features1: Features `(N1, d)` of the first sample set (e.g. real
            images' Inception pool features), N1 >= 2.
        features2: Features `(N2, d)` of the second set, N2 >= 2.

    Returns:
        A non-negative float, in squared feature units.

    Raises:
        ValueError: features that are not 2-D or are empty, NaN or infinite
            values, different feature dimensions, or fewer than 2 samples in
            a set.

    Example:

    ```python
    fid = frechet_distance_from_features(real_features, fake_features)
    ```

    Reference:
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    - [Dowson & Landau, 1982](https://doi.org/10.1016/0047-259X(82)90077-X)
    """
    x1 = as_features(features1, "features1")
    x2 = as_features(features2, "features2")
    same_dimension(x1, x2, ("features1", "features2"))
    (n1, d), n2 = x1.shape, len(x2)
    if n1 < 2 or n2 < 2:
        raise ValueError(
            "frechet_distance_from_features needs at least 2 samples in each "
            "feature set (for the unbiased covariance). Received "
            f"{n1} and {n2} rows."
        )
    if not _cross_gram_is_cheaper(n1, n2, d):
        stats = []
        # The smaller set first: its covariance has the lower rank, which
        # `trace_sqrt_product` exploits when it comes first.
        for x in sorted((x1, x2), key=len):
            s = FeatureStatistics()
            s.update(x)
            stats += [s.mean(), s.covariance()]
        return frechet_distance(*stats)
    mu1, mu2 = x1.mean(axis=0), x2.mean(axis=0)
    c1, c2 = x1 - mu1, x2 - mu2
    diff = mu1 - mu2
    trace1 = np.vdot(c1, c1) / (n1 - 1)
    trace2 = np.vdot(c2, c2) / (n2 - 1)
    cross = (c1 @ c2.T) / np.sqrt((n1 - 1) * (n2 - 1))
    nuclear = float(np.sum(scipy.linalg.svdvals(cross, check_finite=False)))
    return float(max(diff @ diff + trace1 + trace2 - 2.0 * nuclear, 0.0))


class FeatureStatistics:
    """Streaming mean and unbiased covariance of feature batches, in float64.

    Memory does not grow with the number of samples: it keeps the count and
    the sums of `x - shift` and of its outer products, where `shift` is the
    first batch's mean (which keeps the sums small and the covariance
    accurate). Each batch adds its outer products with one BLAS `dsyrk`
    into the upper triangle only (half the multiply-adds of `x.T @ x`);
    `covariance()` mirrors it. Results do not depend on how the samples are
    batched.

    Attributes:
        count: Number of samples seen.
        dim: Feature dimension `d`, or None before the first batch.

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
        """Forget every sample."""
        self.count = 0
        self.dim = None
        self._shift = None
        self._sum = None
        self._outer = None

    def update(self, features):
        """Add a batch of features `(n, d)`.

        Raises:
            ValueError: not a non-empty 2-D array, NaN or infinite values,
                or a feature dimension other than the first batch's.
        """
        x = as_features(features, "features")
        if self.dim is None:
            self.dim = x.shape[1]
            self._shift = x.mean(axis=0)
            self._sum = np.zeros(self.dim)
            # Fortran order: dsyrk accumulates into it in place.
            self._outer = np.zeros((self.dim, self.dim), order="F")
        elif x.shape[1] != self.dim:
            raise ValueError(
                f"Feature dimension changed from {self.dim} to {x.shape[1]}."
            )
        centred = x - self._shift  # keeps x's layout (usually row-major)
        self.count += len(x)
        self._sum += centred.sum(axis=0)
        # BLAS is column-major: a row-major (n, d) batch is the column-major
        # (d, n) matrix A = centred.T, and C += A A^T (trans=0) reads it with
        # no copy; a column-major batch is used as is with C += A^T A. (An
        # order="F" subtraction for trans=1 cost 4x the subtraction itself
        # and no faster dsyrk.) `overwrite_c` updates `_outer` in place.
        if centred.flags.f_contiguous and not centred.flags.c_contiguous:
            a, trans = centred, 1
        else:
            a, trans = centred.T, 0
        blas.dsyrk(1.0, a, beta=1.0, c=self._outer, trans=trans, lower=0, overwrite_c=1)

    def mean(self):
        """Mean `(d,)`."""
        self._require(1)
        return self._shift + self._sum / self.count

    def covariance(self):
        """Unbiased (N - 1) covariance `(d, d)`, exactly symmetric."""
        self._require(2)
        m = self._sum / self.count
        upper = np.triu(self._outer)
        outer = upper + np.triu(self._outer, 1).T
        return (outer - self.count * np.outer(m, m)) / (self.count - 1)

    def _require(self, n):
        if self.count < n:
            raise ValueError(
                f"Need at least {n} samples for these statistics; have {self.count}."
            )
