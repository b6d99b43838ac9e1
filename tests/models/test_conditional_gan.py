"""ConditionalGAN: closed-form steps, label handling, bad input, saving.

Closed-form networks: D([x, y]) = w . x + b + v[y] and G([z, y]) = c + u[y]
(latent kernel zero and frozen), trained with plain SGD and fake labels equal
to the real ones, so every update has a formula that shows the labels reach
both networks.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import ConditionalGAN, architectures
from tests.helpers import tiny_images

LR = 0.1
X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0]], "float32")
Y = np.array([0, 2, 2, 1], "int32")
W, B = np.array([0.5, -0.3]), 0.1
V = np.array([0.3, -0.2, 0.05])
C = np.array([0.2, 0.4])
U = np.array([[0.1, 0.0], [0.0, -0.1], [0.2, 0.3]])
K = 3


def closed_form_networks(acgan=False, cls_kernel=None, cls_bias=None):
    z = keras.Input((2,))
    label = keras.Input((), dtype="int32")
    dense = keras.layers.Dense(2)
    code = keras.layers.Embedding(K, 2)
    g = keras.Model([z, label], dense(z) + code(label))
    dense.set_weights([np.zeros((2, 2), "float32"), C.astype("float32")])
    dense.kernel.trainable = False
    code.set_weights([U.astype("float32")])

    x = keras.Input((2,))
    label = keras.Input((), dtype="int32")
    linear = keras.layers.Dense(1)
    offset = keras.layers.Embedding(K, 1)
    logits = linear(x) + offset(label)
    outputs = logits
    if acgan:
        classes = keras.layers.Dense(K)
        outputs = [logits, classes(x)]
    d = keras.Model([x, label], outputs)
    linear.set_weights([W.reshape(2, 1).astype("float32"), np.array([B], "float32")])
    offset.set_weights([V.reshape(K, 1).astype("float32")])
    if acgan:
        classes.set_weights([cls_kernel.astype("float32"), cls_bias.astype("float32")])
    return g, d


def make(acgan=False, **kwargs):
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(2, K)), rng.normal(size=K)
    g, d = closed_form_networks(acgan, kernel, bias)
    gan = ConditionalGAN(g, d, num_classes=K, fake_labels="real", seed=0, **kwargs)
    gan.compile(keras.optimizers.SGD(LR), keras.optimizers.SGD(LR), loss="wgan")
    return gan, kernel, bias


def test_wasserstein_step_closed_form():
    gan, _, _ = make()
    history = gan.fit(X, Y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    fakes = C + U[Y]
    w = W - LR * (fakes.mean(0) - X.mean(0))  # v cancels in mean(fake) - mean(real)
    # G: g_loss = -mean(w . (c + u[y]) + b + v[y]); dc = -w, du[k] = -w n_k / n
    c = C + LR * w
    u = U.copy()
    for k in range(K):
        u[k] += LR * w * np.mean(Y == k)
    np.testing.assert_allclose(gan.discriminator.get_weights()[0][:, 0], w, rtol=1e-5)
    np.testing.assert_allclose(gan.discriminator.get_weights()[2][:, 0], V, rtol=1e-6)
    g_weights = gan.generator.get_weights()
    np.testing.assert_allclose(g_weights[1], c, rtol=1e-5)
    np.testing.assert_allclose(g_weights[2], u, rtol=1e-5, atol=1e-7)
    logs = {k: v[0] for k, v in history.history.items()}
    d_loss = np.mean(fakes @ W + V[Y]) - np.mean(X @ W + V[Y])
    assert logs["d_loss"] == pytest.approx(d_loss, rel=1e-5)
    # Logged before the generator's update: the old fakes, the updated critic.
    g_loss = -np.mean(fakes @ w + B + V[Y])
    assert logs["g_loss"] == pytest.approx(g_loss, rel=1e-5)


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, labels):
    return -np.mean(np.log(softmax(logits)[np.arange(len(labels)), labels]))


@pytest.mark.parametrize("weight", [1.0, 0.5])
def test_acgan_classification_terms(weight):
    gan, kernel, bias = make(acgan=True, classification_weight=weight)
    assert gan.auxiliary_classifier
    history = gan.fit(X, Y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    logs = {k: v[0] for k, v in history.history.items()}
    fakes = C + U[Y]
    d_cls = cross_entropy(X @ kernel + bias, Y) + cross_entropy(
        fakes @ kernel + bias, Y
    )
    assert logs["d_cls_loss"] == pytest.approx(d_cls, rel=1e-5)
    # The classifier's SGD step: d CE / d logits = (softmax - onehot) / n.
    onehot = np.eye(K)[Y]
    grad_real = (softmax(X @ kernel + bias) - onehot) / len(Y)
    grad_fake = (softmax(fakes @ kernel + bias) - onehot) / len(Y)
    kernel1 = kernel - LR * weight * (X.T @ grad_real + fakes.T @ grad_fake)
    bias1 = bias - LR * weight * (grad_real.sum(0) + grad_fake.sum(0))
    np.testing.assert_allclose(gan.discriminator.get_weights()[3], kernel1, rtol=1e-5)
    # The generator's term uses the updated classifier on the (unchanged) fakes.
    g_cls = cross_entropy(fakes @ kernel1 + bias1, Y)
    assert logs["g_cls_loss"] == pytest.approx(g_cls, rel=1e-5)
    w = W - LR * (fakes.mean(0) - X.mean(0))
    g_loss = -np.mean(fakes @ w + B + V[Y])
    assert logs["loss"] == pytest.approx(
        logs["d_loss"] + weight * d_cls + g_loss + weight * g_cls, rel=1e-5
    )


def test_one_hot_labels_train_like_class_ids():
    a, _, _ = make()
    b, _, _ = make()
    a.fit(X, Y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    b.fit(
        X,
        np.eye(K, dtype="float32")[Y],
        batch_size=4,
        epochs=2,
        verbose=0,
        shuffle=False,
    )
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def tiny_conditional(conditioning="concatenation", **kwargs):
    generator = architectures.conditional_dcgan_generator(
        8,
        4,
        (8, 8, 1),
        filters=4,
        conditioning="batch_norm" if conditioning == "projection" else "concatenation",
    )
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), 4, filters=4, conditioning=conditioning
    )
    return ConditionalGAN(generator, discriminator, num_classes=4, seed=0, **kwargs)


def test_uniform_fake_labels_cover_the_classes():
    gan = tiny_conditional()
    labels = keras.ops.convert_to_numpy(
        gan.sample_labels(keras.ops.zeros((4000,), "int32"))
    )
    counts = np.bincount(labels, minlength=4)
    assert labels.min() == 0 and labels.max() == 3
    # Uniform: each class 1000 +- 5 standard deviations (sqrt(4000 * 0.25 * 0.75)).
    assert np.all(np.abs(counts - 1000) < 5 * 27.4), counts


@pytest.mark.parametrize(
    "conditioning", ["concatenation", "projection", "auxiliary_classifier"]
)
def test_fit_with_penalty_and_ema_then_save_and_load(conditioning, tmp_path):
    gan = tiny_conditional(conditioning, ema_decay=0.9)
    gan.compile(loss="wgan", penalties=["gp"])
    images = tiny_images(32)
    labels = np.arange(32) % 4
    history = gan.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    expected = {
        "d_loss",
        "g_loss",
        "gradient_penalty",
        "real_score",
        "fake_score",
        "loss",
    }
    if conditioning == "auxiliary_classifier":
        expected |= {"d_cls_loss", "g_cls_loss"}
    assert set(history.history) == expected
    assert all(np.isfinite(v[0]) for v in history.history.values())
    # Validation with penalties (inference-mode discriminator view).
    logs = gan.evaluate(images, labels, batch_size=16, verbose=0, return_dict=True)
    assert np.isfinite(logs["gradient_penalty"]) and logs["gradient_penalty"] > 0
    samples = gan.generate(6, labels=[0, 1, 2, 3, 3, 0], seed=1)
    assert samples.shape == (6, 8, 8, 1)
    path = str(tmp_path / "cgan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)  # safe mode
    assert isinstance(loaded, ConditionalGAN) and loaded.ema_generator is not None
    np.testing.assert_allclose(
        loaded.generate(6, labels=[0, 1, 2, 3, 3, 0], seed=1), samples, atol=1e-6
    )
    for a, b in zip(loaded.get_weights(), gan.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_generate_labels_select_the_class_input():
    gan = tiny_conditional()
    z_same = gan.generate(4, labels=[1, 1, 1, 1], seed=3)
    cycled = gan.generate(4, seed=3)  # labels 0, 1, 2, 3
    np.testing.assert_allclose(cycled[1], z_same[1], atol=1e-6)
    assert not np.allclose(cycled[0], z_same[0], atol=1e-4)
    np.testing.assert_allclose(gan.generate(4, labels=1, seed=3), z_same, atol=1e-6)


# ------------------------------------------------------------------ bad input
def test_labels_out_of_range():
    gan = tiny_conditional()
    gan.compile()
    with pytest.raises(ValueError, match=r"must lie in \[0, 4\).*\[0, 4\]"):
        gan.fit(tiny_images(8), np.array([0, 1, 2, 3, 4, 0, 1, 2]), verbose=0)
    with pytest.raises(ValueError, match=r"must lie in \[0, 4\).*\[-1, 2\]"):
        gan.fit(tiny_images(4), np.array([0, 1, 2, -1]), verbose=0)


def test_float_labels_that_are_not_one_hot():
    gan = tiny_conditional()
    gan.compile()
    with pytest.raises(ValueError, match="floats .* but not one-hot"):
        gan.fit(tiny_images(4), np.array([0.0, 1.0, 2.0, 3.0]), verbose=0)
    soft = np.full((4, 4), 0.25, "float32")
    with pytest.raises(ValueError, match="not one-hot: values other than 0 and 1"):
        gan.fit(tiny_images(4), soft, verbose=0)
    two_hot = np.array([[1, 1, 0, 0]] * 4, "float32")
    with pytest.raises(ValueError, match="not one-hot: some rows do not sum to 1"):
        gan.fit(tiny_images(4), two_hot, verbose=0)


def test_missing_labels():
    gan = tiny_conditional()
    gan.compile()
    with pytest.raises(ValueError, match=r"needs class labels.*y=None"):
        gan.fit(tiny_images(8), verbose=0)

    def images_only():
        while True:
            yield tiny_images(4)

    with pytest.raises(ValueError, match="needs class labels.*images only"):
        gan.fit(images_only(), steps_per_epoch=1, verbose=0)


def test_label_count_mismatch():
    gan = tiny_conditional()
    gan.compile()
    with pytest.raises(ValueError, match="8 images but 4 labels"):
        gan.fit(tiny_images(8), np.arange(4), verbose=0)


def test_generator_with_one_input():
    generator = architectures.dcgan_generator(8, (8, 8, 1), filters=4)
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), 4, filters=4
    )
    with pytest.raises(ValueError, match=r"generator that takes two inputs.*1 input"):
        ConditionalGAN(generator, discriminator, num_classes=4)


def test_discriminator_without_label_input():
    generator = architectures.conditional_dcgan_generator(8, 4, (8, 8, 1), filters=4)
    discriminator = architectures.dcgan_discriminator((8, 8, 1), filters=4)
    with pytest.raises(
        ValueError, match=r"discriminator that takes \[images, labels\]"
    ):
        ConditionalGAN(generator, discriminator, num_classes=4)


def test_acgan_class_logits_of_the_wrong_size():
    generator = architectures.conditional_dcgan_generator(8, 4, (8, 8, 1), filters=4)
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), 5, filters=4, conditioning="auxiliary_classifier"
    )
    with pytest.raises(ValueError, match=r"class_logits of shape \(None, 4\)"):
        ConditionalGAN(generator, discriminator, num_classes=4)


@pytest.mark.parametrize("num_classes", [1, 0, 2.5, "10", True])
def test_bad_num_classes(num_classes):
    with pytest.raises(ValueError, match="num_classes, an integer >= 2"):
        ConditionalGAN(
            architectures.conditional_dcgan_generator(8, 4, (8, 8, 1), filters=4),
            architectures.conditional_dcgan_discriminator((8, 8, 1), 4, filters=4),
            num_classes=num_classes,
        )


def test_bad_options():
    with pytest.raises(ValueError, match="fake_labels must be one of uniform, real"):
        tiny_conditional(fake_labels="data")
    with pytest.raises(ValueError, match="classification_weight must be a float >= 0"):
        tiny_conditional(classification_weight=-1)
    with pytest.raises(ValueError, match="ema_decay"):
        tiny_conditional(ema_decay=1.0)


def test_generate_bad_labels_and_truncation():
    gan = tiny_conditional()
    with pytest.raises(ValueError, match=r"generate labels must lie in \[0, 4\)"):
        gan.generate(2, labels=[0, 7])
    with pytest.raises(ValueError, match="got 3 labels for num_samples=2"):
        gan.generate(2, labels=[0, 1, 2])
    with pytest.raises(ValueError, match="truncation must be a positive float"):
        gan.generate(2, truncation=0.0)


def test_classify_needs_acgan():
    with pytest.raises(ValueError, match="auxiliary-classifier"):
        tiny_conditional().classify(tiny_images(2))


def test_config_round_trip():
    gan = tiny_conditional(
        "auxiliary_classifier", fake_labels="real", classification_weight=0.3
    )
    clone = ConditionalGAN.from_config(gan.get_config())
    assert clone.get_config()["fake_labels"] == "real"
    assert clone.classification_weight == 0.3 and clone.auxiliary_classifier
    assert clone.num_classes == 4


def test_num_classes_must_match_the_label_layers():
    generator = architectures.conditional_dcgan_generator(8, 4, (8, 8, 1), filters=4)
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), 4, filters=4
    )
    with pytest.raises(
        ValueError,
        match=r"num_classes=10, but the generator's label layers are built for \[4\]",
    ):
        ConditionalGAN(generator, discriminator, num_classes=10)
    with pytest.raises(ValueError, match="num_classes must be below 2\\*\\*31"):
        ConditionalGAN(generator, discriminator, num_classes=2**31)


def test_image_shape_mismatch_between_the_networks():
    generator = architectures.conditional_dcgan_generator(8, 4, (8, 8, 1), filters=4)
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 3), 4, filters=4
    )
    with pytest.raises(
        ValueError,
        match=r"output shape \(None, 8, 8, 1\) does not match the discriminator's input shape \(None, 8, 8, 3\)",
    ):
        ConditionalGAN(generator, discriminator, num_classes=4)


def test_label_forms_change_between_fits_and_python_lists():
    """ids, then one-hot, then (n, 1), then a list: one traced signature."""
    gan = tiny_conditional()
    gan.compile()
    images = tiny_images(8)
    ids = np.arange(8) % 4
    for labels in (ids, np.eye(4, dtype="float32")[ids], ids[:, None], list(ids)):
        history = gan.fit(images, labels, batch_size=8, epochs=1, verbose=0)
        assert np.isfinite(history.history["d_loss"][0])


def test_weights_are_rejected():
    gan = tiny_conditional()
    gan.compile()
    with pytest.raises(ValueError, match="does not support sample_weight"):
        gan.fit(tiny_images(8), np.arange(8) % 4, sample_weight=np.zeros(8), verbose=0)
    with pytest.raises(ValueError, match="does not support class_weight"):
        gan.fit(tiny_images(8), np.arange(8) % 4, class_weight={0: 0.0}, verbose=0)
