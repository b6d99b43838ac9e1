import json

import keras
import numpy as np
import pytest

from keras_gan_layers.layers import InstanceNormalization
from tests.layers.layer_test import run_layer_test


def numpy_instance_norm(x, gamma, beta, epsilon):
    x = x.astype(np.float64)
    axes = tuple(range(1, x.ndim - 1))
    mean = x.mean(axis=axes, keepdims=True)
    variance = x.var(axis=axes, keepdims=True)
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def test_layer_contract(rng):
    shape = (2, 3, 3, 4)
    run_layer_test(
        InstanceNormalization,
        {"epsilon": 1e-5, "gamma_initializer": "random_normal"},
        rng.normal(size=shape).astype("float32"),
        shape,
        expected_num_trainable_weights=2,
        mixed_precision=True,
    )


def test_matches_numpy(rng):
    x = (rng.normal(size=(3, 5, 4, 6)) * rng.uniform(0.5, 4, (3, 1, 1, 6)) + 2).astype(
        "float32"
    )
    layer = InstanceNormalization()
    layer.build(x.shape)
    gamma = rng.normal(size=6).astype("float32")
    beta = rng.normal(size=6).astype("float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(
        out, numpy_instance_norm(x, gamma, beta, 1e-3), rtol=1e-4, atol=1e-4
    )


def test_without_center_and_scale(rng):
    x = rng.normal(size=(2, 4, 4, 3)).astype("float32")
    layer = InstanceNormalization(center=False, scale=False, epsilon=1e-2)
    out = keras.ops.convert_to_numpy(layer(x))
    assert not layer.weights
    np.testing.assert_allclose(
        out, numpy_instance_norm(x, 1.0, 0.0, 1e-2), rtol=1e-4, atol=1e-4
    )


def test_config_has_no_groups_and_round_trips_after_build(rng):
    layer = InstanceNormalization()
    layer(rng.normal(size=(2, 3, 3, 4)).astype("float32"))
    config = layer.get_config()
    assert "groups" not in config
    clone = InstanceNormalization.from_config(json.loads(json.dumps(config)))
    # The clone works on another number of channels: groups was not fixed to 4.
    out = clone(rng.normal(size=(2, 3, 3, 6)).astype("float32"))
    assert tuple(out.shape) == (2, 3, 3, 6)


@pytest.mark.parametrize("groups", [-1, 4])
def test_tensorflow_addons_style_groups_are_accepted(rng, groups):
    config = {**InstanceNormalization().get_config(), "groups": groups}
    layer = InstanceNormalization.from_config(config)
    layer(rng.normal(size=(2, 3, 3, 4)).astype("float32"))
    assert "groups" not in layer.get_config()


@pytest.mark.parametrize("groups", [0, -2, 2.0, "all"])
def test_bad_groups(groups):
    with pytest.raises(ValueError, match="one group per channel .*Received: groups="):
        InstanceNormalization(groups=groups)


def test_groups_other_than_channels_fail_at_build():
    layer = InstanceNormalization(groups=2)
    with pytest.raises(ValueError, match="Received: groups=2 for 4 channels"):
        layer.build((None, 3, 3, 4))


def test_list_input_is_an_error(rng):
    x = rng.normal(size=(2, 3, 3, 4)).astype("float32")
    with pytest.raises(ValueError, match="is called on one tensor, not a list"):
        InstanceNormalization()([x, x])
