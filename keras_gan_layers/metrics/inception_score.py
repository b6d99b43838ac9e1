"""Inception Score from class probabilities."""

import numpy as np

from keras_gan_layers.metrics.checks import as_features


def inception_score(probabilities, splits=10):
    """Inception Score: `exp(E_x KL(p(y|x) || p(y)))`, mean and std over splits.

    Args:
        probabilities: Array `(n, classes)` of class probabilities (rows sum
            to 1), e.g. softmax outputs of a classifier on generated images.
        splits: Number of equal splits (the paper's 10).

    Returns:
        `(mean, std)` over splits. 1 for uniform predictions; `k` for
        confident predictions spread evenly over `k` classes.

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
    if splits < 1 or splits > len(p):
        raise ValueError(
            f"splits must be between 1 and the number of samples ({len(p)}). "
            f"Received: splits={splits}"
        )
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))
