"""`mode_coverage`: PacGAN's protocol on hand-made samples and real mixtures."""

import math

import numpy as np
import pytest

from keras_gan_layers import datasets

# Hand-typed centres and standard deviations, so that the checks do not lean on
# the code they test.
RING = np.array(
    [[np.cos(k * np.pi / 4), np.sin(k * np.pi / 4)] for k in range(8)], np.float64
)
GRID = np.array([(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], float)
STD = {"ring": 0.01, "grid": 0.05}


def test_modes_and_std_are_the_papers():
    np.testing.assert_allclose(datasets.mixture_modes("ring"), RING, atol=1e-6)
    np.testing.assert_array_equal(datasets.mixture_modes("grid"), GRID)


def test_perfect_and_collapsed_generators():
    perfect = np.repeat(GRID, 100, axis=0)
    assert datasets.mode_coverage(perfect, "grid") == {
        "modes_covered": 25,
        "num_modes": 25,
        "high_quality_fraction": 1.0,
        "kl_to_uniform": 0.0,
    }
    collapsed = np.repeat(RING[3:4], 2500, axis=0)
    stats = datasets.mode_coverage(collapsed, "ring")
    assert stats["modes_covered"] == 1
    assert stats["kl_to_uniform"] == pytest.approx(math.log(8))


def test_three_sigma_rule_and_one_sample_covers():
    # Ring, std 0.01: offsets of 2.9 std are high quality, 3.1 std are not.
    offset = np.array([1.0, 0.0])
    samples = np.concatenate(
        [
            RING[0:1] + 0.029 * offset,  # 2.9 std from mode 0: high quality
            RING[1:2] + 0.031 * offset,  # 3.1 std from mode 1: not
            np.repeat(RING[2:3], 3, 0),  # three on mode 2
            np.zeros((5, 2)),  # centre of the ring: 100 std from every mode
        ]
    )
    stats = datasets.mode_coverage(samples, "ring")
    # One high-quality sample covers a mode (the papers' rule): modes 0 and 2.
    assert stats["modes_covered"] == 2
    assert stats["high_quality_fraction"] == pytest.approx(4 / 10)
    # Histogram of high-quality samples 1:3 over 8 modes:
    # 0.25 ln(8 * 0.25) + 0.75 ln(8 * 0.75) = 0.25 ln 2 + 0.75 ln 6.
    assert stats["kl_to_uniform"] == pytest.approx(1.5171063970610277, rel=1e-12)
    # min_samples=3: only mode 2 counts; the KL does not depend on it.
    stats3 = datasets.mode_coverage(samples, "ring", min_samples=3)
    assert stats3["modes_covered"] == 1
    assert stats3["kl_to_uniform"] == stats["kl_to_uniform"]


def test_nearest_mode_decides():
    # Grid, std 0.05 (3 std = 0.15). [1.1, 0]: nearest mode (2, 0), 0.9 away
    # = 18 std, not high quality.
    samples = np.array([[1.1, 0.0], [0.06, 0.08], [3.9, -3.9], [-2.0, 4.2]])
    # [0.06, 0.08]: 0.1 from (0, 0) = 2 std, high quality on (0, 0).
    # [3.9, -3.9]: 0.1414 from (4, -4) = 2.83 std, high quality.
    # [-2.0, 4.2]: 0.2 from (-2, 4) = 4 std, not.
    stats = datasets.mode_coverage(samples, "grid")
    assert stats["modes_covered"] == 2
    assert stats["high_quality_fraction"] == 0.5
    assert stats["kl_to_uniform"] == pytest.approx(math.log(25 / 2))


def test_no_high_quality_sample():
    stats = datasets.mode_coverage(np.full((10, 2), 0.5), "ring")
    assert stats["modes_covered"] == 0
    assert stats["high_quality_fraction"] == 0.0
    assert stats["kl_to_uniform"] == math.inf


@pytest.mark.parametrize("kind,modes", [("ring", 8), ("grid", 25)])
def test_real_samples_statistics(kind, modes):
    # A 2-D Gaussian lies within 3 std with probability
    # P(chi2_2 < 9) = 1 - exp(-9 / 2) = 0.988891.
    n = 40000
    x = datasets.gaussian_mixture(kind, n, seed=0)
    stats = datasets.mode_coverage(x, kind)
    p = 1.0 - math.exp(-4.5)
    sd = math.sqrt(p * (1 - p) / n)  # binomial standard error, 0.00052
    assert abs(stats["high_quality_fraction"] - p) < 4 * sd
    assert stats["modes_covered"] == modes
    # KL of a multinomial histogram from its uniform mean: about
    # (modes - 1) / (2 n) (chi-square / 2n); well under 5 times that.
    assert 0 < stats["kl_to_uniform"] < 5 * (modes - 1) / (2 * n)


def test_errors():
    x = np.repeat(RING, 2, axis=0)
    with pytest.raises(ValueError, match="\\(n, 2\\) array"):
        datasets.mode_coverage(np.zeros((4, 3)), "ring")
    with pytest.raises(ValueError, match="\\(n, 2\\) array"):
        datasets.mode_coverage(np.zeros((0, 2)), "ring")
    with pytest.raises(ValueError, match="kind must be 'ring' or 'grid'"):
        datasets.mode_coverage(x, "spiral")
    for bad in (0, 1.5, True, 0.2):
        with pytest.raises(ValueError, match="min_samples must be an int >= 1"):
            datasets.mode_coverage(x, "ring", bad)
    with pytest.raises(ValueError, match="threshold argument was removed"):
        datasets.mode_coverage(x, "ring", threshold=0.2)
