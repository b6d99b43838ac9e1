import keras
import numpy as np
import pytest

from keras_gan_layers.layers import ConstantInput
from tests.layers.layer_test import run_layer_test, variable_value


def test_layer_contract(rng):
    run_layer_test(
        ConstantInput,
        {"shape": (2, 2, 3)},
        rng.normal(size=(5, 7)).astype("float32"),
        (5, 2, 2, 3),
        expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0,
    )


def test_every_sample_gets_the_constant(rng):
    layer = ConstantInput((4, 4, 2))
    out = keras.ops.convert_to_numpy(layer(np.zeros((3, 9, 1), "float32")))
    constant = variable_value(layer.constant)
    assert out.shape == (3, 4, 4, 2)
    for sample in out:
        np.testing.assert_array_equal(sample, constant)
    # Initialized N(0, 1) as in StyleGAN.
    big = ConstantInput((64, 64, 8))
    big(np.zeros((1, 1), "float32"))
    values = variable_value(big.constant)
    assert abs(values.mean()) < 0.05 and abs(values.std() - 1.0) < 0.05


@pytest.mark.parametrize("shape", [(), None, (4, 0, 2), (4, 2.5)])
def test_bad_shape(shape):
    with pytest.raises(ValueError, match="shape"):
        ConstantInput(shape)
