"""Inception Score from class probabilities."""

import numpy as np

from keras_gan_layers.metrics.checks import as_features
from keras_gan_layers.metrics.sample_order import canonical_order

#: torch-fidelity's default `rng_seed`, used by its Inception Score shuffle.
DEFAULT_SEED = 2020


def inception_score(probabilities, splits=10, seed=DEFAULT_SEED):
    """Inception Score: `exp(E_x KL(p(y|x) || p(y)))`, mean and std over splits.

    The samples are shuffled before they are cut into `splits` parts, as
    torch-fidelity does (`np.random.RandomState(seed).permutation(n)`, then
    part `i` is rows `i * n // splits` to `(i + 1) * n // splits`), so that
    samples sorted by class do not put one class in each split (which gives
    1 however good the samples). Before the shuffle the rows are put in a
    canonical (lexicographic) order, so the result depends only on the set of
    samples and `seed`, never on their order: the streaming `InceptionScore`
    gives the same value however its samples were batched or ordered. For a
    given order of rows this equals torch-fidelity's `isc_features_to_metric`
    applied to the rows in that canonical order.

    Args:
        probabilities: Array `(n, classes)` of class probabilities (rows sum
            to 1), e.g. softmax outputs of a classifier on generated images.
        splits: Number of splits (the paper's 10).
        seed: Seed of the shuffle before splitting; 2020 by default,
            torch-fidelity's default `rng_seed`.

    Returns:
        `(mean, std)` over splits. 1 for uniform predictions. For confident
        predictions spread evenly over `k` classes, `k` with `splits=1` and a
        little less with more splits (each random split holds the classes in
        slightly unequal numbers).

    Raises:
        ValueError: probabilities not 2-D, NaN or infinite, negative or not
            summing to 1; `splits` not between 1 and the number of samples.

    Example:

    ```python
    score, spread = inception_score(classifier.predict(images), splits=10)
    ```

    Reference:
    - [Salimans et al., 2016](https://arxiv.org/abs/1606.03498)
    """
    p = as_features(probabilities, "probabilities")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "probabilities must be non-negative rows that sum to 1 (apply a "
            "softmax to logits first)."
        )
    splits = int(splits)
    n = len(p)
    if splits < 1 or splits > n:
        raise ValueError(
            f"splits must be between 1 and the number of samples ({n}). "
            f"Received: splits={splits}"
        )
    p = p[canonical_order(p)]
    p = p[np.random.RandomState(seed).permutation(n)]
    scores = []
    for i in range(splits):
        part = p[i * n // splits : (i + 1) * n // splits]
        marginal = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))
