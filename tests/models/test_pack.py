"""PacGAN packing (`GAN(pack=m)`) against numpy and hand-computed losses.

D(x) = w . x + b (linear) on packed vectors, G(z) = c (constant), so the
discriminator loss of one step has a closed form.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN
from keras_gan_layers.models.packing import pack_samples
from tests.helpers import constant_generator, linear_discriminator

C = np.array([0.2, 0.4], "float32")
X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0], [0.6, -0.8]], "float32")


def numpy_pack(x, m):
    """Groups of m consecutive samples, concatenated along the last axis."""
    n = len(x) // m
    return np.concatenate([x[j::m][:n] for j in range(m)], axis=-1)


def softplus(t):
    return np.log1p(np.exp(t))


@pytest.mark.parametrize("shape", [(2,), (3, 2, 2)])
@pytest.mark.parametrize("m", [1, 2, 3])
def test_pack_samples_matches_numpy(rng, shape, m):
    x = rng.normal(size=(7, *shape)).astype("float32")
    out = keras.ops.convert_to_numpy(pack_samples(keras.ops.convert_to_tensor(x), m))
    expected = numpy_pack(x, m)
    assert out.shape == (7 // m, *shape[:-1], shape[-1] * m)
    np.testing.assert_array_equal(out, expected)


def test_discriminator_loss_on_packed_samples():
    m = 2
    w = np.array([0.5, -0.3, 0.25, 0.8], "float32")
    b = 0.1
    gan = GAN(constant_generator(3, C), linear_discriminator(4, w, b), pack=m, seed=0)
    gan.compile(loss="bce")
    total, logs = gan.compute_discriminator_loss(keras.ops.convert_to_tensor(X))
    real_logits = numpy_pack(X, m) @ w + b  # 2 packs; the 5th sample unused
    fake_logits = np.concatenate([C, C]) @ w + b
    expected = softplus(-real_logits).mean() + softplus(fake_logits)
    assert float(total) == pytest.approx(expected, rel=1e-5)
    assert float(logs["real_score"]) == pytest.approx(real_logits.mean(), rel=1e-5)
    g_total, _ = gan.compute_generator_loss(keras.ops.convert_to_tensor(X))
    assert float(g_total) == pytest.approx(softplus(-fake_logits), rel=1e-5)


def test_pack_trains_and_round_trips(tmp_path):
    w = np.zeros(6, "float32")
    gan = GAN(constant_generator(3, C), linear_discriminator(6, w), pack=3, seed=0)
    gan.compile(penalties=["gp"])  # penalties see packed samples unchanged
    history = gan.fit(np.tile(X, (3, 1)), batch_size=6, epochs=1, verbose=0)
    assert np.isfinite(history.history["gradient_penalty"][0])
    path = tmp_path / "packed.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.pack == 3
    assert loaded.get_config()["pack"] == 3


def test_unpacked_discriminator_is_an_error():
    with pytest.raises(ValueError, match=r"packed 2 samples at a time \(pack=2"):
        GAN(constant_generator(3, C), linear_discriminator(2, [0.0, 0.0]), pack=2)


@pytest.mark.parametrize("pack", [0, -1, 1.5, True, "2"])
def test_bad_pack(pack):
    with pytest.raises(ValueError, match="pack must be an integer >= 1"):
        GAN(constant_generator(3, C), linear_discriminator(2, [0.0, 0.0]), pack=pack)


def test_batches_smaller_than_pack_are_an_error():
    gan = GAN(constant_generator(3, C), linear_discriminator(8, np.zeros(8)), pack=4)
    gan.compile()
    with pytest.raises(ValueError, match="needs batches of at least 4 samples"):
        gan.fit(X, batch_size=2, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="a batch would hold 1"):
        gan.fit(X, batch_size=4, epochs=1, verbose=0)  # 5 = 4 + 1


def test_fresh_real_batches_parts_smaller_than_pack_are_an_error():
    # fresh_real_batches with d_steps=2 batches 2 * batch_size samples and
    # splits them in 2: 5 samples, batch_size=2 -> batches of 4 and 1, the
    # last split into parts of 1 (< pack). Was a backend crash in the step.
    gan = GAN(constant_generator(3, C), linear_discriminator(4, np.zeros(4)), pack=2)
    gan.compile(d_steps=2, fresh_real_batches=True)
    with pytest.raises(ValueError, match=r"a batch would hold 1\..*d_steps=2"):
        gan.fit(X, batch_size=2, epochs=1, verbose=0)
    x8 = np.tile(X, (2, 1))[:8]  # 8 = 6 + 2 with batch_size=3: parts of 3, 1
    with pytest.raises(ValueError, match="a batch would hold 1"):
        gan.fit(x8, batch_size=3, epochs=1, verbose=0)
    # 8 = 2 * (2 * 2): every part holds 2 samples, one packed pair.
    history = gan.fit(x8, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


def test_generate_is_not_packed():
    w = np.zeros(6, "float32")
    gan = GAN(constant_generator(3, C), linear_discriminator(6, w), pack=3, seed=0)
    samples = gan.generate(5, seed=0)
    np.testing.assert_allclose(samples, np.tile(C, (5, 1)), rtol=1e-6)
