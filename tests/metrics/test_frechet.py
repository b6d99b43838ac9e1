"""Frechet distance (FID) and FeatureStatistics: pytorch-fid's sqrtm route, closed forms."""

import warnings

import keras
import numpy as np
import pytest
import scipy.linalg

from keras_gan_layers.metrics import (
    FeatureStatistics,
    frechet_distance,
    frechet_distance_from_features,
)
from keras_gan_layers.metrics import frechet as frechet_module
from keras_gan_layers.metrics.frechet import trace_sqrt_product

pytestmark = pytest.mark.backend_independent


def pytorch_fid_formula(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's calculate_frechet_distance (scipy.linalg.sqrtm route)."""
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # SciPy >= 1.16 deprecates `disp`; singular products warn.
        warnings.simplefilter("ignore")
        try:
            covmean, _ = scipy.linalg.sqrtm(sigma1.dot(sigma2), disp=False)
        except TypeError:  # SciPy >= 1.18 dropped `disp`
            covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
        if not np.isfinite(covmean).all():
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = covmean.real
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def gaussian_features(rng, n, d, shift=0.0):
    a = rng.normal(size=(d, d)) / np.sqrt(d)
    return rng.normal(size=(n, d)) @ a + shift


def inception_like(rng, n, d, mix, shift=0.0):
    """Non-negative, correlated features, as `benchmarks/fid_speed.py`."""
    return np.abs(rng.normal(shift, 1.0, size=(n, d)) @ mix)


def statistics_of(x):
    return x.mean(0), np.cov(x, rowvar=False)


@pytest.fixture(params=["cross_gram", "statistics"])
def features_route(request, monkeypatch):
    """Forces `frechet_distance_from_features` down one route."""
    forced = request.param == "cross_gram"
    monkeypatch.setattr(
        frechet_module,
        "_cross_gram_is_cheaper",
        lambda n1, n2, d: forced and min(n1, n2) <= d,
    )
    return request.param


@pytest.mark.parametrize("d,n", [(64, 2000), (256, 3000)])
def test_well_conditioned_matches_scipy_sqrtm(rng, d, n):
    x = gaussian_features(rng, n, d)
    y = gaussian_features(rng, n, d, shift=0.1)
    mu1, s1 = statistics_of(x)
    mu2, s2 = statistics_of(y)
    expected = pytorch_fid_formula(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(mu2, s2, mu1, s1) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance_from_features(x, y) == pytest.approx(expected, rel=1e-6)


def test_inception_like_features_match_scipy_sqrtm(rng):
    d = 128
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    x = inception_like(rng, 1000, d, mix)
    y = inception_like(rng, 1000, d, mix, shift=0.05)
    stats = [*statistics_of(x), *statistics_of(y)]
    expected = pytorch_fid_formula(*stats)
    assert frechet_distance(*stats) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    "n1,n2",
    [(20, 30), (40, 40), (2, 2), (30, 200), (200, 30), (30, 2000), (2000, 30)],
    ids=lambda n: str(n),
)
def test_singular_covariances_match_scipy_sqrtm(rng, n1, n2, features_route):
    # d = 64: N < d samples give covariances of rank N - 1, one or both.
    d = 64
    x = gaussian_features(rng, n1, d)
    y = gaussian_features(rng, n2, d, shift=0.2)
    mu1, s1 = statistics_of(x)
    mu2, s2 = statistics_of(y)
    expected = pytorch_fid_formula(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(mu2, s2, mu1, s1) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance_from_features(x, y) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance_from_features(y, x) == pytest.approx(expected, rel=1e-6)


def test_singular_covariances_inception_like_d256(rng):
    d = 256
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    x = inception_like(rng, 100, d, mix)
    y = inception_like(rng, 150, d, mix, shift=0.05)
    stats = [*statistics_of(x), *statistics_of(y)]
    expected = pytorch_fid_formula(*stats)
    assert frechet_distance(*stats) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance_from_features(x, y) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("n1,n2", [(500, 800), (20, 800), (800, 20), (20, 30)])
def test_pivoted_factors_match_scipy_sqrtm(rng, monkeypatch, n1, n2):
    # Every factor from the pivoted dpstrf (as for a positive definite matrix
    # whose plain Cholesky leaves a tiny pivot): exercises the permutations.
    monkeypatch.setattr(frechet_module, "_rank_tolerance", lambda matrix: np.inf)
    d = 48
    x = gaussian_features(rng, n1, d)
    y = gaussian_features(rng, n2, d, shift=0.2)
    stats = [*statistics_of(x), *statistics_of(y)]
    expected = pytorch_fid_formula(*stats)
    assert frechet_distance(*stats) == pytest.approx(expected, rel=1e-6)


def test_trace_sqrt_product_is_symmetric_and_handles_zero(rng):
    x = gaussian_features(rng, 10, 32)
    y = gaussian_features(rng, 500, 32)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    assert trace_sqrt_product(s1, s2) == pytest.approx(
        trace_sqrt_product(s2, s1), rel=1e-9
    )
    zero = np.zeros((32, 32))
    assert trace_sqrt_product(zero, s2) == 0.0
    assert trace_sqrt_product(s1, zero) == 0.0  # s1 singular, s2 rank 0
    mu = np.ones(32)
    assert frechet_distance(mu, zero, 0 * mu, s2) == pytest.approx(
        32.0 + np.trace(s2), rel=1e-12
    )
    with pytest.raises(ValueError, match="sigma1 must be a square.*\\(3, 4\\)"):
        trace_sqrt_product(np.zeros((3, 4)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="sigma2 must have sigma1's shape"):
        trace_sqrt_product(np.eye(3), np.eye(4))


@pytest.mark.parametrize("n", [500, 20])
def test_identical_distributions_give_zero(rng, n, features_route):
    x = gaussian_features(rng, n, 32, shift=3.0)
    mu, sigma = statistics_of(x)
    assert np.trace(sigma) > 10.0  # so the absolute tolerance means something
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance_from_features(x, x) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance_from_features(x, x[::-1]) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize(
    "a,b",
    [
        ([1.0, 4.0, 9.0], [4.0, 1.0, 0.25]),
        # Singular: zero variances in one or both (the pivoted route).
        ([1.0, 4.0, 0.0, 9.0, 0.0], [4.0, 1.0, 2.0, 0.0, 0.0]),
    ],
)
def test_closed_form_diagonal(a, b):
    # Diagonal covariances commute: tr sqrt(S1 S2) = sum sqrt(a_i b_i), so
    # FID = ||mu1 - mu2||^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    a, b = np.array(a), np.array(b)
    mu1 = np.arange(len(a), dtype=float)
    mu2 = mu1[::-1].copy()
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-12)
    assert frechet_distance(mu2, np.diag(b), mu1, np.diag(a)) == pytest.approx(
        expected, rel=1e-12
    )


def test_closed_form_random_diagonal_and_rotation(rng):
    # A shared rotation keeps the closed form: Q diag(a) Q^T, Q diag(b) Q^T.
    d = 100
    a = rng.uniform(0.0, 2.0, d)
    b = rng.uniform(0.0, 2.0, d)
    a[::7] = 0.0
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    s1, s2 = (q * a) @ q.T, (q * b) @ q.T
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("n", [30, 400])
def test_closed_form_scaled_features(rng, n, features_route):
    # y = c x + t: sigma2 = c^2 sigma1, tr sqrt(sigma1 sigma2) = c tr sigma1, so
    # FID = ||mu1 - mu2||^2 + (1 - c)^2 tr sigma1 (n = 30 < d: rank 29).
    d, c = 64, 3.0
    x = gaussian_features(rng, n, d, shift=1.0)
    shift = rng.normal(size=d)
    y = c * x + shift
    mu1, mu2 = x.mean(0), y.mean(0)
    tr1 = np.sum(np.var(x, axis=0, ddof=1))
    expected = np.sum((mu1 - mu2) ** 2) + (1.0 - c) ** 2 * tr1
    assert frechet_distance_from_features(x, y) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(*statistics_of(x), *statistics_of(y)) == pytest.approx(
        expected, rel=1e-9
    )


@pytest.mark.parametrize("batch", [1000, 1, 7, 128, 999])
def test_feature_statistics_match_np_cov(rng, batch):
    x = gaussian_features(rng, 1000, 16, shift=50.0)  # large mean: tests the shift
    expected_mu, expected_cov = x.mean(0), np.cov(x, rowvar=False)  # N - 1
    stats = FeatureStatistics()
    for i in range(0, len(x), batch):
        stats.update(x[i : i + batch])
    assert stats.count == 1000 and stats.dim == 16
    np.testing.assert_allclose(stats.mean(), expected_mu, rtol=1e-12)
    cov = stats.covariance()
    assert np.array_equal(cov, cov.T)
    scale = np.max(np.abs(expected_cov))
    assert np.max(np.abs(cov - expected_cov)) <= 1e-12 * scale
    np.testing.assert_allclose(np.diag(cov), np.diag(expected_cov), rtol=1e-12)


def test_feature_statistics_layouts_and_reset(rng):
    x = gaussian_features(rng, 300, 24, shift=-5.0)
    expected = np.cov(x, rowvar=False)
    scale = np.max(np.abs(expected))
    for batches in (
        [np.asfortranarray(x[:100]), x[100:]],  # Fortran-ordered batch
        [x[:150:2], x[1:150:2], x[150:]],  # strided views
        [x[:, ::-1][:, ::-1]],  # negative strides
    ):
        stats = FeatureStatistics()
        for b in batches:
            stats.update(b)
        assert np.max(np.abs(stats.covariance() - expected)) <= 1e-12 * scale
    stats.reset()
    assert stats.count == 0 and stats.dim is None
    stats.update(x[:, :5].astype(np.float32))
    np.testing.assert_allclose(
        stats.covariance(),
        np.cov(x[:, :5].astype(np.float32).astype(np.float64), rowvar=False),
        rtol=1e-12,
        atol=1e-12 * scale,
    )


def test_feature_statistics_bad_input(rng):
    stats = FeatureStatistics()
    stats.update(rng.normal(size=(4, 16)))
    with pytest.raises(ValueError, match="dimension changed from 16 to 3"):
        stats.update(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        FeatureStatistics().update(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="at least 2 samples"):
        s = FeatureStatistics()
        s.update(np.zeros((1, 3)))
        s.covariance()
    with pytest.raises(ValueError, match="at least 1 samples"):
        FeatureStatistics().mean()


def test_frechet_distance_bad_input():
    with pytest.raises(ValueError, match="same length"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="\\(3, 3\\) matrices"):
        frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="sigma2 holds NaN"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.full((2, 2), np.nan))


def test_frechet_distance_from_features_bad_input(rng):
    x = rng.normal(size=(5, 3))
    with pytest.raises(
        ValueError,
        match="features1 and features2 must have the same feature dimension. "
        "Received 3 and 4",
    ):
        frechet_distance_from_features(x, rng.normal(size=(5, 4)))
    with pytest.raises(ValueError, match="features2 must be a 2-D array.*\\(5,\\)"):
        frechet_distance_from_features(x, np.zeros(5))
    with pytest.raises(ValueError, match="features1 is empty"):
        frechet_distance_from_features(np.zeros((0, 3)), x)
    bad = x.copy()
    bad[2, 1] = np.inf
    with pytest.raises(ValueError, match="features2 holds NaN or infinite values"):
        frechet_distance_from_features(x, bad)
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="features1 holds NaN or infinite values"):
        frechet_distance_from_features(bad, x)
    with pytest.raises(
        ValueError, match="at least 2 samples in each feature set.*Received 1 and 5"
    ):
        frechet_distance_from_features(x[:1], x)


def test_frechet_distance_from_features_is_registered():
    assert (
        keras.saving.get_registered_object(
            "keras_gan_layers>frechet_distance_from_features"
        )
        is frechet_distance_from_features
    )


@pytest.mark.parametrize(
    "sigma,message",
    [
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "not positive semi-definite"),
        (-np.eye(2), "negative variance"),
        (np.array([[1.0, 0.5], [0.0, 1.0]]), "not symmetric"),
    ],
)
@pytest.mark.parametrize("first", [True, False])
def test_not_a_covariance_is_an_error_in_either_position(sigma, message, first):
    # Before: 0.0 or the sqrtm value depending on the argument order, and a
    # non-symmetric matrix silently read from one triangle.
    args = (sigma, np.eye(2)) if first else (np.eye(2), sigma)
    with pytest.raises(ValueError, match=f"sigma{1 if first else 2} .*{message}"):
        frechet_distance(np.zeros(2), args[0], np.zeros(2), args[1])


def test_trace_sqrt_product_rejects_nan():
    with pytest.raises(ValueError, match="must be finite"):
        trace_sqrt_product(np.full((2, 2), np.nan), np.eye(2))
