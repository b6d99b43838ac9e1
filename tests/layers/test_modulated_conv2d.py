import keras
import numpy as np
import pytest
import scipy.signal

from keras_gan_layers.layers import ModulatedConv2D
from tests.layers.layer_test import run_layer_test, variable_value


def weights_of(layer):
    return {
        name: variable_value(getattr(layer, name)).astype("float64")
        for name in ("style_kernel", "style_bias", "kernel", "bias")
        if getattr(layer, name) is not None
    }


def correlate_valid(x, kernel):
    """x (H, W, cin) correlated with kernel (k, k, cin, cout), no padding."""
    k = kernel.shape[0]
    h, w = x.shape[0] - k + 1, x.shape[1] - k + 1
    out = np.zeros((h, w, kernel.shape[-1]))
    for i in range(k):
        for j in range(k):
            out += x[i : i + h, j : j + w] @ kernel[i, j]
    return out


def numpy_modulated_conv(x, w, weights, demodulate, upsample, lr_multiplier=1.0):
    """StyleGAN2's fused form: one modulated (demodulated) kernel per sample."""
    x, w = x.astype("float64"), w.astype("float64")
    k, _, cin, _ = weights["kernel"].shape
    styles = w @ weights["style_kernel"] / np.sqrt(w.shape[1]) + weights["style_bias"]
    shared = weights["kernel"] * lr_multiplier / np.sqrt(k * k * cin)
    outputs = []
    for x_n, s_n in zip(x, styles):
        kernel = shared * s_n[None, None, :, None]
        if demodulate:
            kernel = kernel / np.sqrt(np.sum(kernel**2, axis=(0, 1, 2)) + 1e-8)
        if upsample:
            # Zero insertion (x0, 0, x1, ..., x_{h-1}), full correlation,
            # then the [1, 3, 3, 1] filter (gain 4) with StyleGAN2's padding.
            h, wd = x_n.shape[:2]
            z = np.zeros((2 * h - 1, 2 * wd - 1, cin))
            z[::2, ::2] = x_n
            z = np.pad(z, ((k - 1, k - 1), (k - 1, k - 1), (0, 0)))
            y = correlate_valid(z, kernel)
            p = (4 - 2) - (k - 1)
            y = np.pad(y, [((p + 1) // 2 + 1, p // 2 + 1)] * 2 + [(0, 0)])
            fir = np.array([1.0, 3.0, 3.0, 1.0])
            fir = np.outer(fir, fir) / fir.sum() ** 2 * 4
            y = scipy.signal.convolve(y, fir[:, :, None], mode="valid")
        else:
            pad = (k - 1) // 2
            y = correlate_valid(np.pad(x_n, ((pad, pad), (pad, pad), (0, 0))), kernel)
        outputs.append(y)
    out = np.stack(outputs)
    if "bias" in weights:
        out = out + weights["bias"] * lr_multiplier
    return out


def random_layer(rng, x, w, **kwargs):
    layer = ModulatedConv2D(**kwargs)
    layer.build([x.shape, w.shape])
    for variable in layer.weights:
        variable.assign(rng.normal(size=variable.shape).astype("float32"))
    return layer


@pytest.mark.parametrize(
    "kwargs, size",
    [
        ({"filters": 3, "kernel_size": 3}, 4),
        ({"filters": 2, "kernel_size": 3, "upsample": True, "use_bias": False}, 8),
    ],
)
def test_layer_contract(rng, kwargs, size):
    x = rng.normal(size=(2, 4, 4, 2)).astype("float32")
    w = rng.normal(size=(2, 5)).astype("float32")
    run_layer_test(
        ModulatedConv2D,
        kwargs,
        [x, w],
        (2, size, size, kwargs["filters"]),
        expected_num_trainable_weights=4 if kwargs.get("use_bias", True) else 3,
        expected_num_non_trainable_weights=0,
        mixed_precision=True,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3},
        {"kernel_size": 3, "demodulate": False, "lr_multiplier": 0.5},
        {"kernel_size": 3, "upsample": True},
        {"kernel_size": 1, "upsample": True, "demodulate": False, "use_bias": False},
    ],
)
def test_matches_numpy_per_sample_kernels(rng, kwargs):
    x = rng.normal(size=(2, 4, 5, 3)).astype("float32")
    w = rng.normal(size=(2, 6)).astype("float32")
    layer = random_layer(rng, x, w, filters=4, **kwargs)
    out = keras.ops.convert_to_numpy(layer([x, w]))
    expected = numpy_modulated_conv(
        x,
        w,
        weights_of(layer),
        kwargs.get("demodulate", True),
        kwargs.get("upsample", False),
        kwargs.get("lr_multiplier", 1.0),
    )
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_demodulation_gives_unit_variance(rng):
    # Each output value at the center of a 3x3 image sees the whole 3x3
    # window: given the styles it is a weighted sum of iid N(0, 1) inputs
    # with weights of unit norm, so it is exactly N(0, 1), independently
    # across the batch. The sample variance of n = 8192 such values has
    # standard deviation sqrt(2 / n) = 0.0156; we allow 5 of them (0.078),
    # and 5 / sqrt(n) = 0.055 for the mean.
    n = 8192
    x = rng.normal(size=(n, 3, 3, 8)).astype("float32")
    w = rng.normal(size=(n, 16)).astype("float32")
    for demodulate in (True, False):
        layer = ModulatedConv2D(4, 3, demodulate=demodulate, use_bias=False)
        center = keras.ops.convert_to_numpy(layer([x, w]))[:, 1, 1, :]
        assert center.shape == (n, 4)
        if demodulate:
            np.testing.assert_allclose(center.var(axis=0), 1.0, atol=5 * np.sqrt(2 / n))
            np.testing.assert_allclose(center.mean(axis=0), 0.0, atol=5 / np.sqrt(n))
        else:
            # Without demodulation the variance is E[s^2] ~ 2 (styles around
            # 1 with unit variance): the check above can tell the difference.
            assert np.all(center.var(axis=0) > 1.3)


def test_styles_start_around_one(rng):
    # Style bias initialized to 1, style map N(0, 1) / sqrt(w_dim): with a
    # zero style vector every scale is exactly 1 and the layer is a plain
    # convolution with the kernel normalized per output channel.
    x = rng.normal(size=(2, 4, 5, 3)).astype("float32")
    w = np.zeros((2, 6), "float32")
    layer = ModulatedConv2D(4, 3, use_bias=False)
    out = keras.ops.convert_to_numpy(layer([x, w]))
    kernel = variable_value(layer.kernel).astype("float64")
    kernel = kernel / np.sqrt(np.sum(kernel**2, axis=(0, 1, 2)))
    padded = np.pad(x.astype("float64"), ((0, 0), (1, 1), (1, 1), (0, 0)))
    expected = np.stack([correlate_valid(p, kernel) for p in padded])
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"filters": 0, "kernel_size": 3}, "filters=0"),
        ({"filters": 2.5, "kernel_size": 3}, "filters=2.5"),
        ({"filters": 2, "kernel_size": 0}, "kernel_size=0"),
        ({"filters": 2, "kernel_size": (3, 3)}, "kernel_size=\\(3, 3\\)"),
        ({"filters": 2, "kernel_size": 3, "lr_multiplier": 0}, "lr_multiplier=0"),
        ({"filters": 2, "kernel_size": 3, "epsilon": -1.0}, "epsilon=-1.0"),
        (
            {"filters": 2, "kernel_size": 3, "blur_kernel": [1, -1]},
            "blur_kernel=\\[1, -1\\]",
        ),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ModulatedConv2D(**kwargs)


@pytest.mark.parametrize(
    "make_inputs, match",
    [
        (lambda x, w: x, "list \\[x, w\\]"),
        (lambda x, w: [x, w, w], "list \\[x, w\\]"),
        (lambda x, w: [x[:, 0], w], "x of shape"),
        (lambda x, w: [x, w[:, :, None]], "style w of shape"),
    ],
)
def test_bad_inputs(rng, make_inputs, match):
    x = rng.normal(size=(2, 4, 4, 3)).astype("float32")
    w = rng.normal(size=(2, 5)).astype("float32")
    with pytest.raises(ValueError, match=match):
        ModulatedConv2D(2, 3)(make_inputs(x, w))


def test_unknown_sizes_are_rejected():
    with pytest.raises(ValueError, match="known channels"):
        ModulatedConv2D(2, 3).build([(2, 4, 4, None), (2, 5)])
    with pytest.raises(ValueError, match="known w_dim"):
        ModulatedConv2D(2, 3).build([(2, 4, 4, 3), (2, None)])
