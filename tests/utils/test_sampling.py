"""Latent vectors drawn with numpy: truncation against closed forms."""

import math

import numpy as np
import pytest

from keras_gan_layers.utils.sampling import latent_vectors


def truncated_normal_variance(psi):
    """Variance of a standard normal truncated to [-psi, psi]."""
    pdf = math.exp(-psi * psi / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(psi / math.sqrt(2))
    return 1 - 2 * psi * pdf / mass


@pytest.mark.parametrize("psi", [2.0, 1.0, 0.5, 1e-3, 1e-12])
def test_truncation_bounds_and_variance(psi):
    z = latent_vectors((100,), 400, seed=0, truncation=psi)
    assert z.dtype == np.float32 and z.shape == (400, 100)
    assert np.abs(z).max() <= psi * (1 + 1e-6)
    expected = truncated_normal_variance(psi) if psi > 1e-2 else psi**2 / 3
    # 40,000 draws: the sample variance is within a few percent.
    assert z.astype("float64").var() == pytest.approx(expected, rel=0.05)


def test_same_seed_same_vectors_and_no_truncation_is_standard_normal():
    a = latent_vectors((8,), 5000, seed=3)
    np.testing.assert_array_equal(a, latent_vectors((8,), 5000, seed=3))
    assert abs(a.mean()) < 0.02 and a.std() == pytest.approx(1.0, rel=0.02)


@pytest.mark.parametrize("bad", [0.0, -1.0, True])
def test_bad_truncation(bad):
    with pytest.raises(ValueError, match="truncation must be a positive float"):
        latent_vectors((4,), 2, truncation=bad)


def test_truncation_needs_normal_latents():
    with pytest.raises(
        ValueError, match="truncation applies to normal latent vectors only"
    ):
        latent_vectors((4,), 2, distribution="uniform", truncation=0.5)
