"""Mixed precision: loss scaling added when missing, float32 losses, finite training."""

import keras
import numpy as np
import pytest

from tests.helpers import tiny_dcgan, tiny_images


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
def test_mixed_precision_training(policy):
    gan = tiny_dcgan()
    gan.compile(loss="wgan", penalties=["gp"], d_steps=2)
    wrapped = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped == (policy == "mixed_float16")
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer) == wrapped
    # Layers compute in the low precision; weights stay float32.
    assert gan.generator.layers[1].compute_dtype == policy.split("_")[1]
    assert all(v.dtype == "float32" for v in gan.trainable_variables)
    before = [np.array(w) for w in gan.discriminator.get_weights()]
    history = gan.fit(tiny_images(32), batch_size=16, epochs=2, verbose=0)
    for key, values in history.history.items():
        assert np.isfinite(values).all(), key
    after = gan.discriminator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    # The logits reach the losses as float32 whatever the policy.
    logits = gan.discriminator(tiny_images(4))
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_user_loss_scale_optimizer_is_not_wrapped_twice(policy):
    gan = tiny_dcgan()
    d_opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(1e-4))
    gan.compile(d_optimizer=d_opt, g_optimizer=keras.optimizers.Adam(1e-4))
    assert gan.d_optimizer is d_opt
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(
        gan.d_optimizer.inner_optimizer, keras.optimizers.LossScaleOptimizer
    )
