"""Pix2Pix: objectives against hand-computed values, a closed-form step,
saving, data handling and bad input.

Closed-form networks: G(x) = 0.5 x (a 1x1 convolution without bias) and
D([a, b]) = u a + v b + c per pixel (a 1x1 convolution on the channel
concatenation): a patch map of logits.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import Pix2Pix
from keras_gan_layers.penalties import R1Penalty
from tests.layers.layer_test import variable_value
from tests.models.test_cycle_gan import scaling, tiny_convnet

SHAPE = (4, 4, 1)
RNG = np.random.default_rng(1)
A = RNG.uniform(-1, 1, (6, *SHAPE)).astype("float32")
B = RNG.uniform(-1, 1, (6, *SHAPE)).astype("float32")
U, V, C = 0.6, -0.8, 0.3


def pair_critic(u=U, v=V, c=C, shape=SHAPE):
    a, b = keras.Input(shape), keras.Input(shape)
    layer = keras.layers.Conv2D(1, 1)
    model = keras.Model([a, b], layer(keras.layers.Concatenate()([a, b])))
    layer.set_weights(
        [np.array([u, v], "float32").reshape(1, 1, 2, 1), np.array([c], "float32")]
    )
    return model


def softplus(x):
    return np.logaddexp(0.0, x)


def test_objectives_match_hand_computed_values():
    model = Pix2Pix(scaling(0.5), pair_critic(), l1_weight=100.0)
    model.compile()
    d_total, d_logs = model.compute_discriminator_loss((A, B))
    g_total, g_logs = model.compute_generator_loss((A, B))
    real = U * A + V * B + C
    fake = U * A + V * 0.5 * A + C
    d_loss = np.mean(softplus(-real)) + np.mean(softplus(fake))
    g_loss = np.mean(softplus(-fake))
    l1 = np.mean(np.abs(0.5 * A - B))
    got = [
        d_total,
        d_logs["d_loss"],
        d_logs["real_score"],
        d_logs["fake_score"],
        g_total,
        g_logs["g_loss"],
        g_logs["l1_loss"],
    ]
    expected = [d_loss, d_loss, real.mean(), fake.mean(), g_loss + 100 * l1, g_loss, l1]
    np.testing.assert_allclose(
        [float(keras.ops.convert_to_numpy(v)) for v in got], expected, rtol=1e-5
    )


def test_one_step_matches_finite_differences():
    model = Pix2Pix(scaling(0.5), pair_critic(), l1_weight=10.0)
    model.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    model.fit(x=A, y=B, batch_size=6, epochs=1, shuffle=False, verbose=0)
    kernel, bias = model.discriminator.weights
    u, v = variable_value(kernel).ravel()
    c = variable_value(bias).ravel()[0]

    def d_objective(p):
        u, v, c = p
        real, fake = u * A + v * B + c, u * A + v * 0.5 * A + c
        return np.mean(softplus(-real)) + np.mean(softplus(fake))

    def grad(f, p, eps=1e-4):
        p = np.asarray(p, "float64")
        return np.array(
            [(f(p + eps * e) - f(p - eps * e)) / (2 * eps) for e in np.eye(len(p))]
        )

    d0 = np.array([U, V, C])
    np.testing.assert_allclose([u, v, c], d0 - 0.1 * grad(d_objective, d0), rtol=1e-4)

    def g_objective(p):
        (k,) = p
        fake = u * A + v * k * A + c
        return np.mean(softplus(-fake)) + 10.0 * np.mean(np.abs(k * A - B))

    k = variable_value(model.generator.weights[0]).ravel()[0]
    np.testing.assert_allclose(k, 0.5 - 0.1 * grad(g_objective, [0.5])[0], rtol=1e-4)


def test_penalty_sees_the_condition():
    # R1 = gamma/2 E|dD/db|^2 with D linear in b: (gamma / 2) * v^2 per pixel,
    # |grad|^2 of the per-sample mean over 16 pixels: 16 * (v / 16)^2.
    model = Pix2Pix(scaling(0.5), pair_critic(), l1_weight=1.0)
    model.compile(penalties=[R1Penalty(gamma=2.0)])
    _, logs = model.compute_discriminator_loss((A, B))
    expected = 2.0 / 2 * 16 * (V / 16) ** 2
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(logs["r1_penalty"])), expected, rtol=1e-5
    )


def tiny_pair_critic(shape=(8, 8, 1)):
    a, b = keras.Input(shape), keras.Input(shape)
    x = keras.layers.Concatenate()([a, b])
    x = keras.layers.Conv2D(4, 3, strides=2)(x)
    return keras.Model([a, b], keras.layers.Conv2D(1, 1)(x))


def test_fit_save_load(tmp_path):
    a = RNG.uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    model = Pix2Pix(tiny_convnet(), tiny_pair_critic(), seed=0)
    model.compile()
    history = model.fit(x=a, y=-a, batch_size=4, epochs=1, verbose=0)
    assert set(history.history) == {
        "loss",
        "d_loss",
        "real_score",
        "fake_score",
        "g_loss",
        "l1_loss",
    }
    path = str(tmp_path / "pix2pix.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(model.translate(a), loaded.translate(a))
    for key in ("l1_weight", "seed", "data_range"):
        assert loaded.get_config()[key] == model.get_config()[key]
    assert Pix2Pix.from_config(model.get_config()).get_config() == model.get_config()


# ------------------------------------------------------------------ bad input
def test_unpaired_data_is_refused():
    from keras_gan_layers import datasets

    if not hasattr(datasets, "unpaired"):
        pytest.skip("datasets.unpaired not available")
    a = np.zeros((4, 8, 8, 1), "float32")
    model = Pix2Pix(tiny_convnet(), tiny_pair_critic())
    model.compile()
    with pytest.raises(ValueError, match="Pix2Pix.fit received unpaired data"):
        model.fit(datasets.unpaired(a, a, batch_size=2), epochs=1, verbose=0)


def test_pairs_of_different_lengths():
    model = Pix2Pix(tiny_convnet(), tiny_pair_critic())
    model.compile()
    a = np.zeros((4, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match="4 A images but 3 B images"):
        model.fit(x=a, y=a[:3], epochs=1, verbose=0)


def test_pairs_of_different_sizes():
    model = Pix2Pix(tiny_convnet(), tiny_pair_critic())
    model.compile()
    a = np.zeros((4, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match="the B images have shape"):
        model.fit(x=a, y=np.zeros((4, 6, 6, 1), "float32"), epochs=1, verbose=0)


def test_unconditional_discriminator():
    critic = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3)])
    with pytest.raises(ValueError, match="conditional discriminator that takes two"):
        Pix2Pix(tiny_convnet(), critic)


def test_generator_output_does_not_fit_the_discriminator():
    with pytest.raises(ValueError, match="the generator returns B images of shape"):
        Pix2Pix(tiny_convnet(out=3), tiny_pair_critic())


def test_bad_l1_weight():
    with pytest.raises(ValueError, match="l1_weight, a float >= 0"):
        Pix2Pix(tiny_convnet(), tiny_pair_critic(), l1_weight=-1)


def test_one_domain_only():
    model = Pix2Pix(tiny_convnet(), tiny_pair_critic())
    model.compile()
    with pytest.raises(ValueError, match="one domain only"):
        model.fit(np.zeros((4, 8, 8, 1), "float32"), epochs=1, verbose=0)


def test_fit_on_a_tuple_of_two_arrays():
    a = RNG.uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    model = Pix2Pix(tiny_convnet(), tiny_pair_critic(), seed=0)
    model.compile()
    history = model.fit((a, -a), batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["l1_loss"][0])


def test_translate_out_of_range():
    model = Pix2Pix(tiny_convnet(), tiny_pair_critic())
    with pytest.raises(ValueError, match=r"Pix2Pix.translate expects .*\[-1.0, 1.0\]"):
        model.translate(np.full((2, 8, 8, 1), 200.0, "float32"))
