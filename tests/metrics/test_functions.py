"""Metric functions against scipy / numpy references and closed forms."""

import numpy as np
import pytest
import scipy.linalg

from keras_gan_layers.metrics import (
    FeatureStatistics,
    frechet_distance,
    inception_score,
    kernel_distance,
    precision_recall_density_coverage,
)


def pytorch_fid_formula(mu1, sigma1, mu2, sigma2):
    """pytorch-fid's calculate_frechet_distance (scipy.linalg.sqrtm route)."""
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * 1e-6
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = covmean.real
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def gaussian_features(rng, n, d, shift=0.0):
    a = rng.normal(size=(d, d)) / np.sqrt(d)
    return rng.normal(size=(n, d)) @ a + shift


@pytest.mark.parametrize("d,n", [(64, 2000), (2048, 4000)])
def test_fid_matches_scipy_sqrtm(rng, d, n):
    x = gaussian_features(rng, n, d)
    y = gaussian_features(rng, n, d, shift=0.1)
    mu1, s1 = x.mean(0), np.cov(x, rowvar=False)
    mu2, s2 = y.mean(0), np.cov(y, rowvar=False)
    expected = pytorch_fid_formula(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)


def test_fid_identical_is_zero(rng):
    x = gaussian_features(rng, 500, 32)
    mu, sigma = x.mean(0), np.cov(x, rowvar=False)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-6)


def test_fid_closed_form_diagonal():
    # Diagonal covariances commute: tr sqrt(S1 S2) = sum sqrt(a_i b_i), so
    # FID = ||mu1 - mu2||^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    a = np.array([1.0, 4.0, 9.0])
    b = np.array([4.0, 1.0, 0.25])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = 1.0 + 4.0 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(
        expected, rel=1e-12
    )


def test_fid_rank_deficient_is_finite_and_non_negative(rng):
    # 20 samples in 64 dimensions: singular covariances.
    x, y = rng.normal(size=(20, 64)), rng.normal(size=(20, 64))
    value = frechet_distance(
        x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)
    )
    assert np.isfinite(value) and value >= 0
    same = frechet_distance(
        x.mean(0), np.cov(x, rowvar=False), x.mean(0), np.cov(x, rowvar=False)
    )
    assert same == pytest.approx(0.0, abs=1e-6)


def test_fid_bad_input():
    with pytest.raises(ValueError, match="same length"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="\\(3, 3\\) matrices"):
        frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="sigma2 holds NaN"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.full((2, 2), np.nan))


def test_feature_statistics_batch_size_independent(rng):
    x = gaussian_features(rng, 1000, 16, shift=50.0)  # large mean: tests the shift
    expected_mu, expected_cov = x.mean(0), np.cov(x, rowvar=False)  # N - 1
    for batch in (1000, 7, 128):
        stats = FeatureStatistics()
        for i in range(0, len(x), batch):
            stats.update(x[i : i + batch])
        np.testing.assert_allclose(stats.mean(), expected_mu, rtol=1e-12)
        np.testing.assert_allclose(
            stats.covariance(), expected_cov, rtol=1e-9, atol=1e-12
        )
    with pytest.raises(ValueError, match="dimension changed from 16 to 3"):
        stats.update(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        FeatureStatistics().update(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="at least 2 samples"):
        s = FeatureStatistics()
        s.update(np.zeros((1, 3)))
        s.covariance()


def numpy_kid(x, y, subsets, subset_size, seed):
    """Direct implementation of the unbiased MMD^2 estimator with double loops."""
    d = x.shape[1]
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


def test_inception_score_closed_forms():
    uniform = np.full((100, 10), 0.1)
    assert inception_score(uniform, splits=10)[0] == pytest.approx(1.0)
    k = 7
    confident = np.eye(k)[np.arange(700) % k]
    mean, std = inception_score(confident, splits=10)
    assert mean == pytest.approx(k) and std == pytest.approx(0.0, abs=1e-9)
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
