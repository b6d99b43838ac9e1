"""Metric functions against scipy / numpy references and closed forms.

The Frechet distance and `FeatureStatistics` are tested in test_frechet.py.
"""

import numpy as np
import pytest

from keras_gan_layers.metrics import (
    frechet_distance,
    inception_score,
    kernel_distance,
    precision_recall_density_coverage,
)

pytestmark = pytest.mark.backend_independent


def lexicographic(x):
    """`x` with its rows sorted lexicographically (column 0 first)."""
    return x[np.lexsort(x.T[::-1])]


def numpy_kid(x, y, subsets, subset_size, seed):
    """Direct implementation of the unbiased MMD^2 estimator with double loops.

    Subsets are drawn from the rows in lexicographic order, as documented.
    """
    d = x.shape[1]
    x, y = lexicographic(x), lexicographic(y)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        a = x[rng.choice(len(x), subset_size, replace=False)]
        b = y[rng.choice(len(y), subset_size, replace=False)]
        m = subset_size

        def k(u, v):
            return (u @ v / d + 1.0) ** 3

        xx = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (
            m * (m - 1)
        )
        yy = sum(k(b[i], b[j]) for i in range(m) for j in range(m) if i != j) / (
            m * (m - 1)
        )
        xy = sum(k(a[i], b[j]) for i in range(m) for j in range(m)) / (m * m)
        values.append(xx + yy - 2 * xy)
    return np.mean(values), np.std(values)


def test_kid_matches_direct_numpy(rng):
    x, y = rng.normal(size=(60, 8)), rng.normal(0.3, 1.0, size=(50, 8))
    mean, std = kernel_distance(x, y, subsets=5, subset_size=20, seed=3)
    ref_mean, ref_std = numpy_kid(x, y, 5, 20, seed=3)
    assert mean == pytest.approx(ref_mean, rel=1e-10)
    assert std == pytest.approx(ref_std, rel=1e-10)


def test_kid_separates_distributions(rng):
    x = rng.normal(size=(400, 16))
    same = kernel_distance(x, rng.normal(size=(400, 16)), subsets=20, subset_size=200)[
        0
    ]
    shifted = kernel_distance(
        x, rng.normal(0.5, 1, size=(400, 16)), subsets=20, subset_size=200
    )[0]
    assert abs(same) < 0.05 < shifted


def test_kid_bad_input(rng):
    x = rng.normal(size=(50, 4))
    with pytest.raises(
        ValueError, match="subset_size=1000 does not fit.*50 and 50.*Use subset_size=50"
    ):
        kernel_distance(x, x)
    with pytest.raises(ValueError, match="same feature dimension. Received 4 and 5"):
        kernel_distance(x, rng.normal(size=(50, 5)), subset_size=10)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="features2 holds NaN"):
        kernel_distance(x, bad, subset_size=10)
    with pytest.raises(ValueError, match="2-D array of features"):
        kernel_distance(x[0], x, subset_size=10)


def torch_fidelity_isc(probabilities, splits=10, rng_seed=2020):
    """numpy transcription of torch-fidelity's `isc_features_to_metric`
    (torch_fidelity/metric_isc.py, shuffle=True), on probabilities instead of
    logits (its softmax / log_softmax of logits are p and log p)."""
    n = len(probabilities)
    p = probabilities[np.random.RandomState(rng_seed).permutation(n)]
    scores = []
    for i in range(splits):
        p_chunk = p[(i * n // splits) : ((i + 1) * n // splits)]
        q_chunk = p_chunk.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(p_chunk > 0, p_chunk * (np.log(p_chunk) - np.log(q_chunk)), 0)
        scores.append(np.exp(kl.sum(axis=1).mean()))
    return np.mean(scores), np.std(scores)


def one_hot_split_scores(labels, splits, seed):
    """Closed form for one-hot predictions: a split's score is exp(entropy of
    its class frequencies), with the splits of torch-fidelity's shuffle."""
    n = len(labels)
    labels = labels[np.random.RandomState(seed).permutation(n)]
    scores = []
    for i in range(splits):
        freq = np.bincount(labels[i * n // splits : (i + 1) * n // splits]) / (
            (i + 1) * n // splits - i * n // splits
        )
        freq = freq[freq > 0]
        scores.append(np.exp(-np.sum(freq * np.log(freq))))
    return np.array(scores)


def test_inception_score_does_not_depend_on_sample_order():
    # The issue: 1,000 one-hot predictions spread evenly over 10 classes gave
    # 9.54 shuffled and 1.00 sorted by class (one class per split).
    labels = np.repeat(np.arange(10), 100)
    p = np.eye(10)[labels]
    orders = {
        "sorted": np.arange(1000),
        "reversed": np.arange(1000)[::-1],
        "shuffled": np.random.default_rng(5).permutation(1000),
        "round robin": np.arange(1000).reshape(10, 100).T.ravel(),  # 0, 1, ..., 9, 0
    }
    values = {name: inception_score(p[order]) for name, order in orders.items()}
    assert len(set(values.values())) == 1, values
    mean, std = values["sorted"]
    # torch-fidelity's formula on the rows in canonical (lexicographic) order:
    ref_mean, ref_std = torch_fidelity_isc(lexicographic(p), splits=10, rng_seed=2020)
    assert mean == pytest.approx(ref_mean, rel=1e-12)
    assert std == pytest.approx(ref_std, rel=1e-9)
    # ... and the closed form of one-hot predictions. Lexicographic order of
    # one-hot rows puts class 9 first and class 0 last.
    closed = one_hot_split_scores(np.repeat(np.arange(10)[::-1], 100), 10, 2020)
    assert mean == pytest.approx(closed.mean(), rel=1e-12)
    # Ten random splits of 100 hold the classes in unequal numbers: a little
    # under 10, nowhere near 1.
    assert 9.3 < mean < 10.0
    assert inception_score(p, splits=1) == pytest.approx((10.0, 0.0))
    # Another seed draws other splits, with the same order independence.
    other = inception_score(p, seed=0)
    assert other != (mean, std) and other == inception_score(p[::-1], seed=0)
    assert other[0] == pytest.approx(
        one_hot_split_scores(np.repeat(np.arange(10)[::-1], 100), 10, 0).mean()
    )


def test_inception_score_matches_torch_fidelity_on_soft_predictions(rng):
    logits = rng.normal(scale=3.0, size=(503, 12))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    for splits in (1, 7, 10):
        ref = torch_fidelity_isc(lexicographic(p), splits=splits)
        got = inception_score(p, splits=splits)
        assert got == pytest.approx(ref, rel=1e-10)
        assert inception_score(p[rng.permutation(503)], splits=splits) == got


def test_inception_score_closed_forms():
    uniform = np.full((100, 10), 0.1)
    assert inception_score(uniform, splits=10)[0] == pytest.approx(1.0)
    k = 7
    confident = np.eye(k)[np.arange(700) % k]
    mean, std = inception_score(confident, splits=1)
    assert mean == pytest.approx(k) and std == 0.0
    # Two classes, p(y|x) = (0.9, 0.1) for half, (0.1, 0.9) for the other half:
    # marginal (0.5, 0.5), KL = 0.9 log 1.8 + 0.1 log 0.2.
    p = np.array([[0.9, 0.1], [0.1, 0.9]] * 50)
    assert inception_score(p, splits=1)[0] == pytest.approx(
        np.exp(0.9 * np.log(1.8) + 0.1 * np.log(0.2))
    )
    with pytest.raises(ValueError, match="sum to 1"):
        inception_score(np.ones((4, 3)))
    with pytest.raises(
        ValueError, match="splits must be between 1 and the number of samples \\(4\\)"
    ):
        inception_score(np.full((4, 2), 0.5), splits=5)


@pytest.mark.parametrize(
    "metric",
    [
        lambda x, y: kernel_distance(x, y, subsets=10, subset_size=30, seed=1),
        lambda x, y: precision_recall_density_coverage(x, y, k=3),
        lambda x, y: frechet_distance(
            x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)
        ),
    ],
    ids=["kid", "prdc", "fid"],
)
def test_functions_do_not_depend_on_sample_order(rng, metric):
    x = rng.normal(size=(80, 6))
    y = rng.normal(0.5, 1.0, size=(70, 6))
    x[:10] = x[0]  # duplicated rows too
    expected = metric(x, y)
    for order_x, order_y in [
        (np.argsort(x[:, 0]), np.argsort(y[:, 0])),  # sorted by a feature
        (rng.permutation(80), rng.permutation(70)),
        (np.arange(80)[::-1], np.arange(70)[::-1]),
    ]:
        got = metric(x[order_x], y[order_y])
        if isinstance(expected, dict):
            assert got == expected
        else:
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_prdc_hand_made():
    # Real points on a line at 0..9; with k=1 every real radius is 1.
    real = np.stack([np.arange(10.0), np.zeros(10)], axis=1)
    # Fakes: three near real points 0, 1 and 2, two far away.
    fake = np.array([[0.1, 0.0], [0.9, 0.0], [2.0, 0.5], [50.0, 0.0], [60.0, 0.0]])
    out = precision_recall_density_coverage(real, fake, k=1)
    assert out["precision"] == pytest.approx(3 / 5)
    # Fake k=1 radii: 0.8, 0.8, sqrt(1.21 + 0.25) = 1.208, 10, 10. Reals inside
    # some fake ball: 0 and 1 (0.1 from the first two fakes), 2 (0.5 from (2, .5))
    # and 3 (sqrt(1.25) = 1.118 from (2, .5)); 4..9 are none -> 4 of 10.
    assert out["recall"] == pytest.approx(4 / 10)
    # Density: fake (0.1,0) is in balls of reals 0 and 1 (2 balls); (0.9,0) in 0 and 1;
    # (2,0.5) in the ball of real 2 only (distance 0.5) and not 1 (1.118) nor 3 (1.118).
    assert out["density"] == pytest.approx((2 + 2 + 1) / (1 * 5))
    # Coverage: reals 0, 1, 2 have a fake within radius 1.
    assert out["coverage"] == pytest.approx(3 / 10)


def test_prdc_identical_sets_are_perfect(rng):
    x = rng.normal(size=(200, 5))
    out = precision_recall_density_coverage(x, x.copy(), k=5)
    assert out["precision"] == 1.0 and out["recall"] == 1.0 and out["coverage"] == 1.0
    with pytest.raises(ValueError, match="k must be >= 1 and smaller"):
        precision_recall_density_coverage(x[:5], x[:5], k=5)
