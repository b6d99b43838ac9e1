"""What a run depends on is saved, and trainable flags are honoured as in Keras.

- Random state: every `SeedGenerator` state (the model's latent/penalty
  stream, dropout layers') is saved with the weights; a reloaded model draws
  the same next latents as the original, also with `seed=None`.
- Optimizers are built by `fit` (as Keras does), so layers frozen or
  unfrozen between `compile` and `fit` train as flagged; a frozen network
  that would never train is an error.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN
from tests.helpers import tiny_images


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _critic_with_dropout():
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(8),
            # Seeded: on PyTorch an unseeded Dropout draws from torch's global
            # generator instead of its own (tests/models/resume_run.py).
            keras.layers.Dropout(0.5, seed=1),
            keras.layers.Dense(1),
        ]
    )


def _gan(seed=None):
    from keras_gan_layers import architectures

    return GAN(
        architectures.mlp_generator(4, (8, 8, 1), hidden_units=(8,)),
        _critic_with_dropout(),
        seed=seed,
    )


@pytest.mark.parametrize("seed", [None, 5])
def test_random_state_travels_with_the_saved_model(tmp_path, seed):
    gan = _gan(seed)
    gan.compile()
    gan.fit(tiny_images(32), batch_size=16, epochs=1, verbose=0)
    states = [_numpy(g.state.value) for g in gan.random_generators()]
    assert len(states) == 2  # the model's and the dropout layer's
    assert all(s[1] > 0 for s in states)  # both streams advanced
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    keras.utils.set_random_seed(99)  # other default seeds in the new model
    loaded = keras.saving.load_model(path)
    for original, reloaded in zip(states, loaded.random_generators()):
        np.testing.assert_array_equal(_numpy(reloaded.state.value), original)
    np.testing.assert_array_equal(
        _numpy(loaded.sample_latents(4)), _numpy(gan.sample_latents(4))
    )


def test_load_weights_restores_random_and_optimizer_state(tmp_path):
    gan = _gan(3)
    gan.compile()
    gan.fit(tiny_images(32), batch_size=16, epochs=1, verbose=0)
    path = str(tmp_path / "gan.weights.h5")
    gan.save_weights(path)
    fresh = _gan(4)
    fresh.compile()  # optimizers not built yet: load_weights builds them
    fresh.load_weights(path)
    for a, b in zip(gan.d_optimizer.variables, fresh.d_optimizer.variables):
        np.testing.assert_array_equal(_numpy(a.value), _numpy(b.value))
    for a, b in zip(gan.random_generators(), fresh.random_generators()):
        np.testing.assert_array_equal(_numpy(a.state.value), _numpy(b.state.value))


def _dense_layers(network):
    return [layer for layer in network.layers if layer.weights]


def test_layer_frozen_after_compile_stays_put_and_the_rest_trains():
    gan = _gan(0)
    gan.compile()
    frozen, other = _dense_layers(gan.generator)[:2]
    frozen.trainable = False
    before = [w.copy() for w in frozen.get_weights()]
    other_before = [w.copy() for w in other.get_weights()]
    gan.fit(tiny_images(32), batch_size=16, epochs=1, verbose=0)
    for a, b in zip(before, frozen.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(other_before[0], other.get_weights()[0])


def test_layer_unfrozen_after_compile_trains():
    gan = _gan(0)
    layer = _dense_layers(gan.generator)[0]
    layer.trainable = False
    gan.compile()
    layer.trainable = True
    before = layer.get_weights()[0].copy()
    gan.fit(tiny_images(32), batch_size=16, epochs=1, verbose=0)
    assert not np.allclose(before, layer.get_weights()[0])


def test_freezing_between_fits_with_the_same_optimizers():
    # The optimizers were built for every weight; a layer frozen afterwards
    # keeps its weights and its optimizer slots (JAX's stateless apply is
    # given the whole list, with no gradient for the frozen layer).
    gan = _gan(0)
    d_opt, g_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt)
    gan.fit(tiny_images(32), batch_size=16, epochs=1, verbose=0)
    layer = _dense_layers(gan.generator)[0]
    layer.trainable = False
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt)
    before = layer.get_weights()[0].copy()
    slots = [_numpy(v.value).copy() for v in g_opt.variables]
    gan.fit(tiny_images(32), batch_size=16, epochs=1, verbose=0)
    np.testing.assert_array_equal(before, layer.get_weights()[0])
    kernel = layer.weights[0]
    changed = [
        not np.array_equal(s, _numpy(v.value)) for s, v in zip(slots, g_opt.variables)
    ]
    index = g_opt._get_variable_index(kernel)
    # Adam's two slots of the frozen kernel did not move; others did.
    for i, v in enumerate(g_opt.variables):
        if v is g_opt._momentums[index] or v is g_opt._velocities[index]:
            assert not changed[i]
    assert any(changed)


def test_unfreezing_with_an_optimizer_built_without_the_layer_is_an_error():
    gan = _gan(0)
    layer = _dense_layers(gan.generator)[0]
    layer.trainable = False
    g_opt = keras.optimizers.Adam()
    gan.compile(g_optimizer=g_opt)
    gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)
    layer.trainable = True
    with pytest.raises(ValueError, match="optimizer was built for other weights"):
        gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)


def test_a_frozen_discriminator_is_an_error_before_training():
    gan = _gan(0)
    gan.discriminator.trainable = False
    gan.compile()
    with pytest.raises(ValueError, match="The discriminator has no trainable weights"):
        gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == 0


def test_a_generator_without_trainable_weights_is_named_in_a_warning():
    gan = _gan(0)
    gan.generator.trainable = False
    gan.compile()
    before = gan.generator.get_weights()[0].copy()
    with pytest.warns(UserWarning, match="generator .* has no trainable weights"):
        gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)
    np.testing.assert_array_equal(before, gan.generator.get_weights()[0])
    assert int(gan.d_optimizer.iterations) == 1


def test_whole_generator_frozen_between_fits_then_unfrozen():
    # The optimizers were built for every weight: a fit with the generator
    # frozen leaves it as it is (JAX once failed with "No gradients provided"
    # and lost the weights), and unfrozen it trains again.
    gan = _gan(0)
    gan.compile()
    gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)
    gan.generator.trainable = False
    before = gan.generator.get_weights()[0].copy()
    with pytest.warns(UserWarning, match="has no trainable weights"):
        gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)
    np.testing.assert_array_equal(before, gan.generator.get_weights()[0])
    gan.generator.trainable = True
    gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)
    assert not np.allclose(before, gan.generator.get_weights()[0])


def test_load_weights_before_compile_warns_that_optimizer_state_is_not_loaded(
    tmp_path,
):
    gan = _gan(3)
    gan.compile()
    gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)
    path = str(tmp_path / "gan.weights.h5")
    gan.save_weights(path)
    fresh = _gan(4)
    with pytest.warns(UserWarning, match="the optimizers' state is not"):
        fresh.load_weights(path)
    np.testing.assert_array_equal(
        fresh.generator.get_weights()[0], gan.generator.get_weights()[0]
    )
