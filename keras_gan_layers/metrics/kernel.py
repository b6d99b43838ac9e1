"""Kernel distance (KID): unbiased MMD^2 with a polynomial kernel."""

import numpy as np

from keras_gan_layers.metrics.checks import as_features, same_dimension
from keras_gan_layers.metrics.sample_order import canonical_order


def _mmd2_unbiased(x, y, degree, gamma, coef0):
    m = len(x)
    k_xx = (x @ x.T * gamma + coef0) ** degree
    k_yy = (y @ y.T * gamma + coef0) ** degree
    k_xy = (x @ y.T * gamma + coef0) ** degree
    sum_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    sum_yy = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return sum_xx + sum_yy - 2.0 * k_xy.mean()


def kernel_distance(
    features1,
    features2,
    subsets=100,
    subset_size=1000,
    degree=3,
    gamma=None,
    coef0=1.0,
    seed=0,
):
    """Kernel Inception Distance: unbiased MMD^2, mean and std over subsets.

    The kernel is `k(x, y) = (gamma x.y + coef0)^degree`, `gamma = 1 / d` by
    default (the KID paper's cubic kernel). Each of `subsets` rounds draws
    `subset_size` rows of each feature set without replacement (seeded) and
    computes the unbiased estimator
    `sum_{i!=j} k(x_i, x_j) / (m (m-1)) + sum_{i!=j} k(y_i, y_j) / (m (m-1))
    - 2 mean k(x_i, y_j)`, as torch-fidelity and TF-GAN do. The rows of each
    set are put in a canonical (lexicographic) order before the draws, so
    the result depends only on the two sets of samples and `seed`, not on
    the order of the rows (nor, in `KernelDistance`, on how they were
    batched).

    Args:
        features1: Array `(n1, d)`.
        features2: Array `(n2, d)`.
        subsets: Number of subsets.
        subset_size: Rows per subset; at most `min(n1, n2)`.
        degree: Degree of the polynomial kernel
            `k(x, y) = (gamma * <x, y> + coef0) ** degree`.
        gamma: Scale of the polynomial kernel; None for `1 / d`.
        coef0: Constant of the polynomial kernel.
        seed: Seed of the subset draws (`np.random.default_rng(seed)`).

    Returns:
        `(mean, std)` of the subset estimates (floats).

    Raises:
        ValueError: different dimensions, NaNs, or fewer rows than
            `subset_size` (the message suggests a size that fits).

    Example:

    ```python
    kid_mean, kid_std = kernel_distance(real_features, fake_features,
                                        subset_size=500)
    ```

    Reference:
    - [Binkowski et al., 2018](https://arxiv.org/abs/1801.01401)
    """
    x = as_features(features1, "features1")
    y = as_features(features2, "features2")
    same_dimension(x, y, ("features1", "features2"))
    subsets, subset_size = int(subsets), int(subset_size)
    if subsets < 1:
        raise ValueError(f"subsets must be >= 1. Received: subsets={subsets}")
    smallest = min(len(x), len(y))
    if subset_size < 2 or subset_size > smallest:
        raise ValueError(
            f"subset_size={subset_size} does not fit: KID draws subsets without "
            f"replacement from {len(x)} and {len(y)} samples. Use "
            f"subset_size={max(2, min(smallest, 1000))} or give more samples "
            "(at least 2)."
            if smallest >= 2
            else f"KID needs at least 2 samples in each set; received {len(x)} and {len(y)}."
        )
    gamma = 1.0 / x.shape[1] if gamma is None else float(gamma)
    x, y = x[canonical_order(x)], y[canonical_order(y)]
    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for i in range(subsets):
        a = x[rng.choice(len(x), subset_size, replace=False)]
        b = y[rng.choice(len(y), subset_size, replace=False)]
        values[i] = _mmd2_unbiased(a, b, degree, gamma, coef0)
    return float(values.mean()), float(values.std())
