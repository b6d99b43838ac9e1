"""`augment=` on the models: what the discriminator sees, in both objectives.

D(x) = w . x + b, G(z) = c: with an augmentation that negates its input in
training, every logit has a closed form.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN, ConditionalGAN
from tests.helpers import constant_generator, linear_discriminator

W = np.array([0.5, -0.3], "float32")
B = 0.1
C = np.array([0.2, 0.4], "float32")
X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0]], "float32")


class Negate(keras.layers.Layer):
    """x -> -x in training, the identity otherwise (as augmentation layers)."""

    def call(self, x, training=None):
        return -x if training else x


def softplus(t):
    return np.log1p(np.exp(t))


def make_gan(augment, **kwargs):
    return GAN(
        constant_generator(3, C),
        linear_discriminator(2, W, B),
        seed=0,
        data_range=None,
        augment=augment,
        **kwargs,
    )


def test_discriminator_sees_augmented_real_and_fake():
    gan = make_gan(Negate())
    gan.compile(loss="bce", penalties=["r1"])
    total, logs = gan.compute_discriminator_loss(keras.ops.convert_to_tensor(X))
    real_logits = -X @ W + B
    fake_logits = -C @ W + B
    r1 = 10.0 / 2 * W @ W  # the input gradient of D(-x) w.r.t. -x is w
    assert float(logs["d_loss"]) == pytest.approx(
        softplus(-real_logits).mean() + softplus(fake_logits), rel=1e-5
    )
    assert float(logs["real_score"]) == pytest.approx(real_logits.mean(), rel=1e-5)
    assert float(logs["r1_penalty"]) == pytest.approx(r1, rel=1e-5)
    g_loss, _ = gan.compute_generator_loss(keras.ops.convert_to_tensor(X))
    assert float(g_loss) == pytest.approx(softplus(-fake_logits), rel=1e-5)
    # Not in inference (validation): augmentation layers are the identity.
    _, logs = gan.compute_discriminator_loss(
        keras.ops.convert_to_tensor(X), training=False
    )
    assert float(logs["real_score"]) == pytest.approx((X @ W + B).mean(), rel=1e-5)


def test_generator_gradient_flows_through_the_augmentation():
    # One generator SGD step: d/dc softplus(-(w.(-c) + b)) = sigmoid(-(-w.c+b)) * w.
    gan = make_gan(Negate())
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.0),
        g_optimizer=keras.optimizers.SGD(0.5),
        loss="bce",
    )
    gan.fit(X, batch_size=4, epochs=1, verbose=0, shuffle=False)
    logit = -C @ W + B
    expected = C - 0.5 * (1 / (1 + np.exp(logit))) * W
    np.testing.assert_allclose(gan.generator.get_weights()[1], expected, rtol=1e-5)


def test_bad_augment():
    for bad in ("color", lambda x: x, 3):
        with pytest.raises(ValueError, match="augment must be None or a Keras layer"):
            make_gan(bad)


def test_conditional_gan_augments_images_not_labels():
    inputs = [keras.Input((3,)), keras.Input((), dtype="int32")]
    layer = keras.layers.Dense(2, kernel_initializer="zeros")
    generator = keras.Model(inputs, layer(inputs[0]))
    layer.set_weights([np.zeros((3, 2), "float32"), C])
    d_in = [keras.Input((2,)), keras.Input((), dtype="int32")]
    dense = keras.layers.Dense(1)
    discriminator = keras.Model(d_in, dense(d_in[0]))
    dense.set_weights([W.reshape(2, 1), np.array([B], "float32")])
    gan = ConditionalGAN(
        generator, discriminator, num_classes=3, data_range=None, augment=Negate()
    )
    gan.compile(loss="bce")
    labels = np.array([0, 1, 2, 1], "int32")
    _, logs = gan.compute_discriminator_loss(
        (keras.ops.convert_to_tensor(X), keras.ops.convert_to_tensor(labels))
    )
    assert float(logs["real_score"]) == pytest.approx((-X @ W + B).mean(), rel=1e-5)
    assert float(logs["fake_score"]) == pytest.approx(-C @ W + B, rel=1e-5)


def test_augment_that_changes_the_shape_is_an_error():
    with pytest.raises(ValueError, match=r"must keep the shape of the samples"):
        make_gan(keras.layers.Dense(3))


def test_ada_in_fit_logs_p_and_saves_it(tmp_path):
    from keras_gan_layers.layers import AdaptiveAugment
    from tests.helpers import tiny_images, tiny_mlp_gan

    # ada_kimg tiny: each adjustment moves p by
    # batch * interval / (ada_kimg * 1000) = 16 * 2 / 40 = 0.8 (clipped).
    ada = AdaptiveAugment(target=0.6, interval=2, ada_kimg=0.04, seed=1)
    gan = tiny_mlp_gan(augment=ada)
    gan.compile(loss="bce")
    history = gan.fit(tiny_images(32), batch_size=16, epochs=2, verbose=0)
    p = float(keras.ops.convert_to_numpy(ada.p))
    # Every adjustment moves p by +-0.8 (clipped to [0, 1]): p is one of these.
    assert min(abs(p - v) for v in (0.0, 0.8, 1.0)) < 1e-6
    assert len(history.history["ada_p"]) == 2
    assert 0.0 <= history.history["ada_p"][-1] <= 1.0
    path = tmp_path / "ada.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    state = [keras.ops.convert_to_numpy(v) for v in ada.variables]
    restored = [keras.ops.convert_to_numpy(v) for v in loaded.augment.variables]
    for a, b in zip(state, restored):
        np.testing.assert_array_equal(a, b)
    assert isinstance(loaded.augment, AdaptiveAugment)


def test_diffaugment_in_fit_moves_both_networks():
    from keras_gan_layers.layers import DiffAugment
    from tests.helpers import tiny_images, tiny_mlp_gan

    gan = tiny_mlp_gan(augment=DiffAugment(seed=3))
    gan.compile(loss="bce")
    before = [w.copy() for w in gan.generator.get_weights()]
    state = keras.ops.convert_to_numpy(gan.augment.seed_generator.state)
    gan.fit(tiny_images(16), batch_size=16, epochs=1, verbose=0)
    after = gan.generator.get_weights()
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))
    # The augmentation drew from its own stream, which moved (and is saved).
    moved = keras.ops.convert_to_numpy(gan.augment.seed_generator.state)
    assert not np.array_equal(state, moved)
    assert any(g is gan.augment.seed_generator for g in gan.random_generators())


@pytest.mark.parametrize("layer", ["DiffAugment", "AdaptiveAugment"])
def test_image_augmentation_on_vectors_is_an_error_at_construction(layer):
    from keras_gan_layers import layers

    # 2-D points (the toy mixtures): image augmentation cannot apply.
    with pytest.raises(ValueError, match=r"needs images of shape \(batch, height"):
        make_gan(getattr(layers, layer)())
