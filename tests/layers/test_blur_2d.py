import keras
import numpy as np
import pytest
import scipy.signal

from keras_gan_layers.layers import Blur2D
from tests.layers.layer_test import run_layer_test


def stylegan2_padding(taps, up, down):
    """Padding of StyleGAN2's upsample_2d (up > 1) / downsample_2d helpers."""
    if up > 1:
        p = taps - up
        return (p + 1) // 2 + up - 1, p // 2
    p = taps - down
    return (p + 1) // 2, p // 2


def numpy_upfirdn(x, kernel, up, down, gain):
    """Zero insertion, padding, true convolution, decimation: axis by axis."""
    taps = np.asarray(kernel, "float64")
    taps = taps / taps.sum() * up
    before, after = stylegan2_padding(len(taps), up, down)
    out = x.astype("float64")
    for axis in (1, 2):
        # (n - 1) * up + 1 samples, then StyleGAN2's up - 1 trailing zeros.
        z = scipy.signal.upfirdn([1.0], out, up=up, axis=axis)
        widths = [(0, 0)] * 4
        widths[axis] = (before, after + up - 1)
        z = np.pad(z, widths)
        out = np.apply_along_axis(
            lambda row: np.convolve(row, taps, mode="valid")[::down], axis, z
        )
    return gain * out


@pytest.mark.parametrize("kwargs", [{"up": 2}, {"down": 2, "kernel": [1, 2, 1]}])
def test_layer_contract(rng, kwargs):
    x = rng.normal(size=(2, 4, 6, 3)).astype("float32")
    up, down = kwargs.get("up", 1), kwargs.get("down", 1)
    run_layer_test(
        Blur2D,
        kwargs,
        x,
        (2, 4 * up // down, 6 * up // down, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        mixed_precision=True,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"up": 2},
        {"down": 2},
        {"up": 4},
        {"kernel": [1, 2, 1], "up": 2, "gain": 2.0},
        {"kernel": [1, 2, 4], "up": 1},  # asymmetric: the kernel is flipped
        {"kernel": [1, 2, 4, 8], "down": 2},
        {"kernel": [3, 1, 2], "up": 2},
    ],
)
def test_matches_numpy_upfirdn(rng, kwargs):
    x = rng.normal(size=(2, 6, 4, 3)).astype("float32")
    kernel = kwargs.get("kernel", (1, 3, 3, 1))
    up, down = kwargs.get("up", 1), kwargs.get("down", 1)
    out = keras.ops.convert_to_numpy(Blur2D(**kwargs)(x))
    expected = numpy_upfirdn(x, kernel, up, down, kwargs.get("gain", 1.0))
    assert out.shape == (2, 6 * up // down, 4 * up // down, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("up, down", [(1, 1), (2, 1), (1, 2), (2, 2)])
def test_constant_image_stays_constant_inside(up, down):
    x = np.full((1, 16, 16, 2), 1.7, "float32")
    out = keras.ops.convert_to_numpy(Blur2D(up=up, down=down)(x))
    size = 16 * up // down
    assert out.shape == (1, size, size, 2)
    border = 2  # the 4-tap filter reaches 2 input samples beyond the edge
    inside = out[:, border:-border, border:-border]
    assert inside.size > 0
    np.testing.assert_allclose(inside, 1.7, rtol=1e-6)
    # The edges see the zero padding.
    assert out[0, 0, 0, 0] < 1.7


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kernel": []}, "kernel="),
        ({"kernel": [[1, 2], [2, 1]]}, "1-D"),
        ({"kernel": [1, -1]}, "non-zero sum"),
        ({"kernel": [1.0, float("nan")]}, "finite"),
        ({"kernel": "abc"}, "kernel='abc'"),
        ({"up": 0}, "up=0"),
        ({"down": 1.5}, "down=1.5"),
        ({"gain": float("inf")}, "gain=inf"),
        ({"gain": "2"}, "gain='2'"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Blur2D(**kwargs)


@pytest.mark.parametrize(
    "inputs, kwargs, match",
    [
        (np.zeros((2, 4, 3), "float32"), {}, "rank 4"),
        ([np.zeros((2, 4, 4, 3), "float32")] * 2, {}, "called on one tensor"),
        (np.zeros((2, 1, 4, 3), "float32"), {"down": 2}, "empty image"),
    ],
)
def test_bad_inputs(inputs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Blur2D(**kwargs)(inputs)


def test_unknown_channels_are_rejected():
    with pytest.raises(ValueError, match="known channels"):
        Blur2D().build((2, 4, 4, None))
