import keras
import numpy as np
import pytest

from keras_gan_layers.layers import ReflectionPadding2D
from tests.layers.layer_test import run_layer_test


def numpy_reflect(x, pads, data_format):
    """`np.pad(mode="reflect")` on the spatial axes of an NHWC or NCHW array."""
    (top, bottom), (left, right) = pads
    spatial = [(top, bottom), (left, right)]
    if data_format == "channels_last":
        widths = [(0, 0), *spatial, (0, 0)]
    else:
        widths = [(0, 0), (0, 0), *spatial]
    return np.pad(x, widths, mode="reflect")


def test_layer_contract(rng):
    run_layer_test(
        ReflectionPadding2D,
        {"padding": ((1, 2), (3, 0))},
        rng.normal(size=(2, 4, 5, 3)).astype("float32"),
        (2, 7, 8, 3),
        expected_num_trainable_weights=0,
        mixed_precision=True,
    )


def test_layer_contract_channels_first(rng):
    run_layer_test(
        ReflectionPadding2D,
        {"padding": (2, 1), "data_format": "channels_first"},
        rng.normal(size=(2, 3, 4, 5)).astype("float32"),
        (2, 3, 8, 7),
        expected_num_trainable_weights=0,
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize(
    "padding,pads",
    [
        (1, ((1, 1), (1, 1))),
        (3, ((3, 3), (3, 3))),  # CycleGAN's c7s1 padding
        ((2, 1), ((2, 2), (1, 1))),
        (((0, 3), (4, 1)), ((0, 3), (4, 1))),
        (0, ((0, 0), (0, 0))),
        (((0, 0), (2, 1)), ((0, 0), (2, 1))),  # the width alone
        (((2, 1), (0, 0)), ((2, 1), (0, 0))),  # the height alone
    ],
)
def test_matches_numpy_reflect(rng, data_format, padding, pads):
    shape = (2, 4, 5, 3) if data_format == "channels_last" else (2, 3, 4, 5)
    x = rng.normal(size=shape).astype("float32")
    layer = ReflectionPadding2D(padding, data_format=data_format)
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(out, numpy_reflect(x, pads, data_format))


def test_hand_written_row():
    # [a, b, c, d] padded by 2 on both sides: [c, b, a, b, c, d, c, b].
    x = np.array([1.0, 2.0, 3.0, 4.0], "float32").reshape(1, 1, 4, 1)
    out = keras.ops.convert_to_numpy(ReflectionPadding2D(((0, 0), (2, 2)))(x))
    np.testing.assert_array_equal(out.reshape(-1), [3, 2, 1, 2, 3, 4, 3, 2])


def test_default_data_format_follows_keras_config():
    assert ReflectionPadding2D().data_format == keras.config.image_data_format()


def test_integer_inputs_are_cast(rng):
    x = rng.integers(0, 255, size=(1, 3, 3, 2)).astype("int32")
    out = ReflectionPadding2D(1)(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(out),
        numpy_reflect(x, ((1, 1), (1, 1)), "channels_last"),
    )


@pytest.mark.parametrize(
    "padding", [-1, 1.5, True, "same", (1, 2, 3), ((1, 2), 3), ((1, -1), (0, 0))]
)
def test_bad_padding(padding):
    with pytest.raises(ValueError, match="needs padding as an int >= 0.*Received"):
        ReflectionPadding2D(padding)


def test_bad_data_format():
    with pytest.raises(ValueError, match="data_format.*Received: data_format='NHWC'"):
        ReflectionPadding2D(1, data_format="NHWC")


@pytest.mark.parametrize(
    "padding,shape,which",
    [
        (4, (1, 4, 8, 3), "height of 4"),
        (((0, 0), (0, 8)), (1, 4, 8, 3), "width of 8"),
        ((1, 3), (1, 4, 3, 3), "width of 3"),
    ],
)
def test_padding_not_smaller_than_size(padding, shape, which):
    layer = ReflectionPadding2D(padding)
    with pytest.raises(ValueError, match=f"smaller than the size.*{which}"):
        layer(np.zeros(shape, "float32"))
    with pytest.raises(ValueError, match=f"smaller than the size.*{which}"):
        ReflectionPadding2D(padding)(keras.Input(shape[1:]))


def test_padding_checked_at_call_after_build_on_free_sizes():
    layer = ReflectionPadding2D(2)
    model_input = keras.Input((None, None, 1))
    model = keras.Model(model_input, layer(model_input))
    assert tuple(model(np.zeros((1, 3, 5, 1), "float32")).shape) == (1, 7, 9, 1)
    with pytest.raises(ValueError, match="smaller than the size.*height of 2"):
        layer(np.zeros((1, 2, 5, 1), "float32"))


def test_channels_first_checks_the_right_axes():
    # 3 channels, 8x8 image: a padding of 3 is fine on the spatial axes.
    layer = ReflectionPadding2D(3, data_format="channels_first")
    assert tuple(layer(np.zeros((1, 3, 8, 8), "float32")).shape) == (1, 3, 14, 14)
    with pytest.raises(ValueError, match="height of 2"):
        ReflectionPadding2D(3, data_format="channels_first")(
            np.zeros((1, 8, 2, 8), "float32")
        )


@pytest.mark.parametrize("shape", [(4, 4, 3), (1, 4, 4, 4, 3)])
def test_bad_rank(shape):
    with pytest.raises(ValueError, match="needs a rank-4 input"):
        ReflectionPadding2D(1)(np.zeros(shape, "float32"))


def test_list_input():
    x = np.zeros((1, 4, 4, 3), "float32")
    with pytest.raises(ValueError, match="called on one tensor, not a list"):
        ReflectionPadding2D(1)([x, x])
