"""GAN really learns: mode coverage on the 2-D ring, digits KID, EMA quality.

Each threshold is one a zero generator loss cannot meet (the figures under
`g_loss = 0` are given next to the measured ones).
"""

import keras
import numpy as np
import pytest

import keras_gan_layers as kgl
from keras_gan_layers import datasets


@pytest.mark.slow
@pytest.mark.tensorflow_only  # ~2,000 steps; the same step on every backend: tests/backend
def test_ring_mode_coverage():
    keras.utils.set_random_seed(0)
    data = datasets.gaussian_mixture("ring", 4096, seed=0)
    generator = kgl.architectures.mlp_generator(
        8, (2,), hidden_units=(64, 64), output_activation=None
    )
    discriminator = kgl.architectures.mlp_discriminator((2,), hidden_units=(64, 64))
    gan = kgl.GAN(generator, discriminator, seed=0, data_range=None)
    gan.compile(
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        loss="bce",
    )
    before = datasets.mode_coverage(gan.generate(2000, seed=1), "ring")
    assert before["modes_covered"] < 6  # the check can fail
    best = before
    # At most 200 epochs x 32 steps; seen here: 7-8 modes from about epoch 70.
    # With a zero generator loss: 0 modes, high-quality fraction 0.0005 after
    # all 200 epochs.
    for _ in range(20):
        gan.fit(data, batch_size=128, epochs=10, verbose=0)
        stats = datasets.mode_coverage(gan.generate(2000, seed=1), "ring")
        # PacGAN's rule: one high-quality sample covers a mode, so modes
        # come early; keep the best (modes, high-quality fraction) pair.
        key = ("modes_covered", "high_quality_fraction")
        if tuple(stats[k] for k in key) > tuple(best[k] for k in key):
            best = stats
        if best["modes_covered"] >= 6 and best["high_quality_fraction"] > 0.3:
            break
    assert best["modes_covered"] >= 6, best
    assert best["high_quality_fraction"] > 0.3, best


# KID of generated digits against all 1,797 digits, as a ratio of its value at
# initialisation (bundled digits-classifier features, 500 samples, 20 subsets
# of 500). Configuration below, seeds 0-7 (TensorFlow, 2-core CPU): the best
# ratio within 8 epochs of 16 steps was 0.61-0.68 (seed 0: 0.65; it first
# reaches 0.80 at epochs 3-6). With the generator loss replaced by zero the
# generator's weights never move and the ratio is 1.00 at every epoch.
# The generator has no batch normalization on purpose: its moving statistics
# change during training even when the weights do not, and with a
# batch-normalized generator the KID fell to 0.64-0.73 of its initial value
# under a zero generator loss too (seeds 0-2, 10 epochs of 256 digits).
KID_RATIO = 0.8


@pytest.mark.tensorflow_only  # the same step on every backend: tests/backend
def test_digits_kid_falls_from_initialisation():
    images = datasets.load_digits()
    extractor = kgl.metrics.DigitsFeatureExtractor()

    def features(x):
        return keras.ops.convert_to_numpy(extractor(x)).astype("float64")

    real = features(images)
    keras.utils.set_random_seed(0)
    gan = kgl.GAN(
        kgl.architectures.dcgan_generator(
            16, (8, 8, 1), filters=16, normalization=None
        ),
        kgl.architectures.dcgan_discriminator((8, 8, 1), filters=16),
        seed=0,
    )
    gan.compile(loss="bce")

    def kid():
        fake = features(gan.generate(500, seed=1))
        return kgl.metrics.kernel_distance(real, fake, subsets=20, subset_size=500)[0]

    initial = kid()
    ratios = []
    for _ in range(8):
        history = gan.fit(images[:512], batch_size=32, epochs=1, verbose=0)
        for key, values in history.history.items():
            assert np.isfinite(values).all(), key
        ratios.append(kid() / initial)
        if ratios[-1] <= KID_RATIO:
            break
    assert min(ratios) <= KID_RATIO, (initial, ratios)


@pytest.mark.tensorflow_only  # one 30-epoch run; the EMA math is tested on every backend
def test_ema_samples_are_no_worse_than_the_raw_generator():
    """FID (bundled digits classifier) of EMA vs raw samples after the same run.

    The configuration of `benchmarks/ema_quality.py`, seed 0, shortened from
    30 to 12 epochs (348 steps) to save CI time. Measured: 30 epochs raw
    328.8, EMA 225.3, EMA/raw 0.685 (0.924 and 0.697 for seeds 1 and 2 with
    decay 0.99); 12 epochs raw 330.3, EMA 214.2, EMA/raw 0.648. With a zero
    generator loss the generator never moves,
    its average equals it and both FIDs are 229.40: the old `ema <= raw` then
    hung on rounding (it failed by 1.5e-8). EMA must be at least 5% better.
    """
    from keras_gan_layers.metrics.streaming import extract
    from keras_gan_layers.utils.sampling import generate_numpy, latent_vectors

    images = datasets.load_digits()
    keras.utils.set_random_seed(0)
    gan = kgl.GAN(
        # The paper's generator, as measured (the default has no batch norm
        # since; with it, seed 0 gave raw 142.5, EMA 144.8).
        kgl.architectures.dcgan_generator(
            32, (8, 8, 1), normalization="batch", activation="relu"
        ),
        kgl.architectures.dcgan_discriminator((8, 8, 1)),
        seed=0,
        ema_decay=0.99,
    )
    gan.compile(loss="bce")
    gan.fit(images, batch_size=64, epochs=12, verbose=0)
    extractor = kgl.metrics.DigitsFeatureExtractor()

    def stats(x):
        s = kgl.metrics.FeatureStatistics()
        s.update(extract(extractor, x))
        return s.mean(), s.covariance()

    real = stats(images)
    z = latent_vectors((32,), len(images), seed=100)
    raw = kgl.metrics.frechet_distance(*real, *stats(generate_numpy(gan.generator, z)))
    ema = kgl.metrics.frechet_distance(
        *real, *stats(generate_numpy(gan.ema_generator, z))
    )
    assert ema <= 0.95 * raw, (ema, raw)
