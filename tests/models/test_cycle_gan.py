"""CycleGAN: objectives against hand-computed values, the pool in training,
saving (pool included), data handling and bad input.

Closed-form networks: generators are scalings, G_AB(x) = 0.5 x and
G_BA(x) = 3 x (1x1 convolutions without bias), discriminators are
per-pixel affine maps D(x) = w x + c (a 1x1 convolution: a "patch map").
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import CycleGAN
from keras_gan_layers.layers import ImagePool
from tests.layers.layer_test import variable_value

SHAPE = (4, 4, 1)
RNG = np.random.default_rng(0)
A = RNG.uniform(-1, 1, (6, *SHAPE)).astype("float32")
B = RNG.uniform(-1, 1, (6, *SHAPE)).astype("float32")


def scaling(k, shape=SHAPE, out_channels=1):
    inputs = keras.Input(shape)
    layer = keras.layers.Conv2D(out_channels, 1, use_bias=False)
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([np.full((1, 1, shape[-1], out_channels), k, "float32")])
    return model


def affine(w, c, shape=SHAPE):
    inputs = keras.Input(shape)
    layer = keras.layers.Conv2D(1, 1)
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights(
        [np.full((1, 1, shape[-1], 1), w, "float32"), np.array([c], "float32")]
    )
    return model


def closed_form(**kwargs):
    model = CycleGAN(
        scaling(0.5), scaling(3.0), affine(0.7, 0.1), affine(-0.4, 0.2), **kwargs
    )
    model.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), loss="lsgan")
    return model


def numpy_losses(a, b, cycle_weight=10.0, identity_weight=0.5):
    da = lambda x: 0.7 * x + 0.1  # noqa: E731
    db = lambda x: -0.4 * x + 0.2  # noqa: E731
    fake_b, fake_a = 0.5 * a, 3.0 * b
    d_a = 0.5 * np.mean((da(a) - 1) ** 2) + 0.5 * np.mean(da(fake_a) ** 2)
    d_b = 0.5 * np.mean((db(b) - 1) ** 2) + 0.5 * np.mean(db(fake_b) ** 2)
    g_ab = 0.5 * np.mean((db(fake_b) - 1) ** 2)
    g_ba = 0.5 * np.mean((da(fake_a) - 1) ** 2)
    cycle = np.mean(np.abs(3.0 * fake_b - a)) + np.mean(np.abs(0.5 * fake_a - b))
    identity = np.mean(np.abs(0.5 * b - b)) + np.mean(np.abs(3.0 * a - a))
    g_total = g_ab + g_ba + cycle_weight * (cycle + identity_weight * identity)
    return d_a + d_b, d_a, d_b, g_total, g_ab, g_ba, cycle, identity


def test_objectives_match_hand_computed_values():
    model = closed_form(pool_size=0)
    d_total, d_logs = model.compute_discriminator_loss((A, B))
    g_total, g_logs = model.compute_generator_loss((A, B))
    expected = numpy_losses(A, B)
    got = [d_total, d_logs["d_a_loss"], d_logs["d_b_loss"], g_total]
    got += [
        g_logs[k] for k in ("g_ab_loss", "g_ba_loss", "cycle_loss", "identity_loss")
    ]
    np.testing.assert_allclose(
        [float(keras.ops.convert_to_numpy(v)) for v in got], expected, rtol=1e-5
    )


def test_identity_weight_zero_drops_the_term():
    model = closed_form(pool_size=0, identity_weight=0.0, cycle_weight=2.0)
    g_total, g_logs = model.compute_generator_loss((A, B))
    _, _, _, _, g_ab, g_ba, cycle, _ = numpy_losses(A, B)
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(g_total)), g_ab + g_ba + 2.0 * cycle, rtol=1e-5
    )
    assert float(keras.ops.convert_to_numpy(g_logs["identity_loss"])) == 0.0


def test_generator_step_is_one_sgd_step_on_both_generators():
    # One fit step with batch = all 6 pairs: the discriminators move first
    # (SGD 0.1 on their exact gradients), then the generators' scalings on
    # the gradient of the objective with the new discriminators, computed
    # here by central finite differences of the numpy objective.
    model = closed_form(pool_size=0)
    model.fit(x=A, y=B, batch_size=6, epochs=1, shuffle=False, verbose=0)
    wa, ca = [variable_value(v).ravel()[0] for v in model.discriminator_a.weights]
    wb, cb = [variable_value(v).ravel()[0] for v in model.discriminator_b.weights]

    def d_objective(p):
        w1, c1, w2, c2 = p
        fa, fb = 3.0 * B, 0.5 * A
        return (
            0.5 * np.mean((w1 * A + c1 - 1) ** 2)
            + 0.5 * np.mean((w1 * fa + c1) ** 2)
            + 0.5 * np.mean((w2 * B + c2 - 1) ** 2)
            + 0.5 * np.mean((w2 * fb + c2) ** 2)
        )

    def grad(f, p, eps=1e-4):
        p = np.asarray(p, "float64")
        return np.array(
            [(f(p + eps * e) - f(p - eps * e)) / (2 * eps) for e in np.eye(len(p))]
        )

    d0 = np.array([0.7, 0.1, -0.4, 0.2])
    np.testing.assert_allclose(
        [wa, ca, wb, cb], d0 - 0.1 * grad(d_objective, d0), rtol=1e-4
    )

    def g_objective(p):
        k_ab, k_ba = p
        fb, fa = k_ab * A, k_ba * B
        g = 0.5 * np.mean((wb * fb + cb - 1) ** 2) + 0.5 * np.mean(
            (wa * fa + ca - 1) ** 2
        )
        cyc = np.mean(np.abs(k_ba * fb - A)) + np.mean(np.abs(k_ab * fa - B))
        idt = np.mean(np.abs(k_ab * B - B)) + np.mean(np.abs(k_ba * A - A))
        return g + 10.0 * (cyc + 0.5 * idt)

    g0 = np.array([0.5, 3.0])
    k_ab = variable_value(model.generator_ab.weights[0]).ravel()[0]
    k_ba = variable_value(model.generator_ba.weights[0]).ravel()[0]
    np.testing.assert_allclose(
        [k_ab, k_ba], g0 - 0.1 * grad(g_objective, g0), rtol=1e-4
    )


def tiny_convnet(shape=(8, 8, 1), out=1, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input(shape),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(out, 3, padding="same", activation="tanh"),
        ]
    )


def tiny_critic(shape=(8, 8, 1)):
    return keras.Sequential(
        [
            keras.Input(shape),
            keras.layers.Conv2D(4, 3, strides=2),
            keras.layers.Conv2D(1, 1),
        ]
    )


def tiny_model(**kwargs):
    return CycleGAN(
        tiny_convnet(), tiny_convnet(seed=1), tiny_critic(), tiny_critic(), **kwargs
    )


def test_fit_uses_the_pools_and_saves_them(tmp_path):
    a = RNG.uniform(-1, 1, (10, 8, 8, 1)).astype("float32")
    b = RNG.uniform(-1, 1, (7, 8, 8, 1)).astype("float32")  # cycled to 10
    model = tiny_model(pool_size=3, seed=0)
    model.compile()
    history = model.fit(x=a, y=b, batch_size=2, epochs=1, verbose=0)
    assert set(history.history) == {
        "loss",
        "d_a_loss",
        "d_b_loss",
        "g_ab_loss",
        "g_ba_loss",
        "cycle_loss",
        "identity_loss",
    }
    assert len(history.history["loss"]) == 1
    for pool in (model.pool_a, model.pool_b):
        assert int(variable_value(pool.count)) == 3
        assert np.abs(variable_value(pool.pool)).max() > 0
    path = str(tmp_path / "cyclegan.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    for pool, again in ((model.pool_a, loaded.pool_a), (model.pool_b, loaded.pool_b)):
        np.testing.assert_array_equal(
            variable_value(pool.pool), variable_value(again.pool)
        )
    np.testing.assert_array_equal(model.translate_a_to_b(a), loaded.translate_a_to_b(a))
    np.testing.assert_array_equal(model.translate_b_to_a(b), loaded.translate_b_to_a(b))
    # The generators alone save as plain Keras models.
    model.generator_ab.save(str(tmp_path / "g_ab.keras"))
    alone = keras.saving.load_model(str(tmp_path / "g_ab.keras"))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(alone(a)), model.translate_a_to_b(a), atol=1e-6
    )
    # Training continues from the loaded state (pools, random streams).
    loaded.fit(x=a, y=b, batch_size=2, epochs=1, verbose=0)


def test_config_round_trip():
    model = tiny_model(pool_size=2, seed=3, cycle_weight=5.0, identity_weight=0.0)
    config = model.get_config()
    again = CycleGAN.from_config(config)
    assert again.get_config() == config
    assert isinstance(again.pool_a, ImagePool) and again.pool_a.pool_size == 2


def test_dataset_of_pairs():
    import tensorflow as tf

    a = RNG.uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((a, -a)).batch(2)
    model = tiny_model(pool_size=0, seed=0)
    model.compile()
    history = model.fit(data, epochs=1, verbose=0)
    assert np.isfinite(history.history["cycle_loss"][0])


# ------------------------------------------------------------------ bad input
def test_one_domain_only():
    model = tiny_model(pool_size=0)
    model.compile()
    with pytest.raises(ValueError, match="Received images of one domain only"):
        model.fit(A, epochs=1, verbose=0)


def test_dataset_of_single_images():
    import tensorflow as tf

    model = tiny_model(pool_size=0)
    model.compile()
    data = tf.data.Dataset.from_tensor_slices(np.zeros((4, 8, 8, 1), "float32")).batch(
        2
    )
    with pytest.raises(ValueError, match=r"yielding \(a_images, b_images\) pairs"):
        model.fit(data, epochs=1, verbose=0)


def test_out_of_range_b_images():
    model = tiny_model(pool_size=0)
    model.compile()
    a = np.zeros((4, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match="real B images"):
        model.fit(x=a, y=a + 5.0, epochs=1, verbose=0)


def test_wrong_image_shape_at_fit():
    model = tiny_model(pool_size=0)
    model.compile()
    a = np.zeros((4, 8, 8, 1), "float32")
    b = np.zeros((4, 6, 6, 1), "float32")
    with pytest.raises(ValueError, match="B images"):
        model.fit(x=a, y=b, epochs=1, verbose=0)


def test_generator_that_does_not_close_the_cycle():
    with pytest.raises(ValueError, match="generator_ab returns B images of shape"):
        CycleGAN(tiny_convnet(out=3), tiny_convnet(), tiny_critic(), tiny_critic())


def test_discriminator_of_the_wrong_domain_shape():
    rgb = (8, 8, 3)
    with pytest.raises(ValueError, match="discriminator_b takes images of shape"):
        CycleGAN(
            tiny_convnet(out=3),
            tiny_convnet(rgb, out=1),
            tiny_critic(),
            tiny_critic(),
            identity_weight=0.0,
        )


def test_identity_needs_same_shapes():
    rgb = (8, 8, 3)
    with pytest.raises(ValueError, match="identity_weight=0 for domains of different"):
        CycleGAN(
            tiny_convnet(out=3),
            tiny_convnet(rgb, out=1),
            tiny_critic(),
            tiny_critic(rgb),
        )
    CycleGAN(  # gray <-> colour without the identity term is fine
        tiny_convnet(out=3),
        tiny_convnet(rgb, out=1),
        tiny_critic(),
        tiny_critic(rgb),
        identity_weight=0.0,
    )


def test_pool_needs_known_shapes():
    def free():
        return keras.Sequential(
            [keras.Input((None, None, 1)), keras.layers.Conv2D(1, 1)]
        )

    with pytest.raises(ValueError, match="pool_size=50\\) store A images"):
        CycleGAN(free(), free(), free(), free())
    CycleGAN(free(), free(), free(), free(), pool_size=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"cycle_weight": -1.0}, "cycle_weight, a float >= 0"),
        ({"identity_weight": "0.5"}, "identity_weight, a float >= 0"),
        ({"pool_size": 2.5}, "pool_size, an int >= 0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny_model(**kwargs)


def test_network_that_is_not_a_layer():
    with pytest.raises(ValueError, match="discriminator_b must be a Keras model"):
        CycleGAN(tiny_convnet(), tiny_convnet(), tiny_critic(), "patchgan")


def test_translate_wrong_shape():
    model = tiny_model(pool_size=0)
    with pytest.raises(ValueError, match="translate_a_to_b: the images have shape"):
        model.translate_a_to_b(np.zeros((2, 4, 4, 1), "float32"))


def test_fit_on_a_tuple_of_two_arrays():
    # fit(x=(a, b)) is fit(x=a, y=b): Keras alone would read two inputs.
    a = RNG.uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    model = tiny_model(pool_size=0, seed=0)
    model.compile()
    history = model.fit((a, -a), batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["cycle_loss"][0])


def test_discriminator_returning_a_dict():
    inputs = keras.Input((8, 8, 1))
    critic = keras.Model(inputs, {"x": keras.layers.Conv2D(1, 3)(inputs)})
    with pytest.raises(
        ValueError, match="must return a single tensor. It returns a dict"
    ):
        CycleGAN(tiny_convnet(), tiny_convnet(), critic, tiny_critic())


def test_range_errors_name_the_model():
    model = tiny_model(pool_size=0)
    model.compile()
    a = np.zeros((4, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match="CycleGAN expects real B images"):
        model.fit(x=a, y=(a + 1) * 127.5, verbose=0)


@pytest.mark.parametrize(
    "images, kwargs, match",
    [
        (np.zeros((2, 8, 8, 1), "uint8"), {}, "CycleGAN.translate_a_to_b expects"),
        (np.full((2, 8, 8, 1), np.nan, "float32"), {}, "non-finite"),
        (
            np.zeros((2, 8, 8, 1), "float32"),
            {"batch_size": 0},
            "batch_size, an int >= 1",
        ),
    ],
)
def test_translate_bad_input(images, kwargs, match):
    model = tiny_model(pool_size=0)
    with pytest.raises(ValueError, match=match):
        model.translate_a_to_b(images, **kwargs)
