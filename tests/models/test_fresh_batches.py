"""`compile(fresh_real_batches=True)`: each critic update of a step gets its
own real batch (WGAN-GP, Algorithm 1), checked against updates by hand.

D(x) = w . x + b, G = constant c, plain SGD, Wasserstein loss: a critic
update moves w by -lr (c - mean(real batch)), so the final w says which real
batches the updates saw.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN
from tests.helpers import constant_generator, linear_discriminator

LR = 0.1
W = np.array([0.5, -0.3])
C = np.array([0.2, 0.4])
X = np.array(
    [
        [0.1, 0.2],
        [-0.5, 0.9],
        [0.3, -0.4],
        [0.7, 0.0],
        [-0.9, -0.6],
        [0.4, 0.8],
        [0.0, -1.0],
        [0.6, 0.5],
    ],
    dtype="float32",
)


def make_gan(fresh, d_steps=2):
    gan = GAN(constant_generator(3, C), linear_discriminator(2, W, 0.1), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(LR),
        # A still generator (G's kernel is 0 and stays 0): its output stays
        # c, so the critic's updates have closed forms over several steps.
        g_optimizer=keras.optimizers.SGD(0.0),
        loss="wgan",
        d_steps=d_steps,
        fresh_real_batches=fresh,
    )
    return gan


def expected_kernel(steps):
    """w after `steps`, each a list of the real batches its critic updates see."""
    w = W.copy()
    for batches in steps:
        for batch in batches:
            w = w - LR * (C - batch.mean(axis=0))
    return w


def kernel(gan):
    return gan.discriminator.get_weights()[0][:, 0]


def test_each_critic_update_reads_its_own_batch():
    gan = make_gan(fresh=True)
    history = gan.fit(X, batch_size=4, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(
        kernel(gan), expected_kernel([[X[:4], X[4:]]]), rtol=1e-5
    )
    # One step (generator update) read both batches.
    assert int(gan.g_optimizer.iterations) == 1
    assert int(gan.d_optimizer.iterations) == 2
    w1 = W - LR * (C - X[:4].mean(axis=0))
    assert history.history["d_loss"][0] == pytest.approx(
        w1 @ (C - X[4:].mean(axis=0)), rel=1e-5
    )


def test_default_reuses_one_batch_for_every_critic_update():
    gan = make_gan(fresh=False)
    gan.fit(X, batch_size=4, epochs=1, verbose=0, shuffle=False)
    expected = expected_kernel([[X[:4], X[:4]], [X[4:], X[4:]]])
    np.testing.assert_allclose(kernel(gan), expected, rtol=1e-5)
    assert int(gan.g_optimizer.iterations) == 2


def test_short_final_batch_is_split_evenly():
    # 7 samples, batch 2, d_steps 2: steps read [0:4] and [4:7]; the second
    # is split 2 + 1: samples 4-5, then 6 (every sample is seen).
    gan = make_gan(fresh=True)
    gan.fit(X[:7], batch_size=2, epochs=1, verbose=0, shuffle=False)
    batches = [[X[0:2], X[2:4]], [X[4:6], X[6:7]]]
    np.testing.assert_allclose(kernel(gan), expected_kernel(batches), rtol=1e-5)


class Batches(keras.utils.PyDataset):
    def __init__(self):
        super().__init__()

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return X[2 * i : 2 * i + 2]


def test_py_dataset_batches_are_grouped():
    gan = make_gan(fresh=True)
    gan.fit(Batches(), epochs=1, verbose=0)
    batches = [[X[0:2], X[2:4]], [X[4:6], X[6:8]]]
    np.testing.assert_allclose(kernel(gan), expected_kernel(batches), rtol=1e-5)
    assert int(gan.g_optimizer.iterations) == 2


@pytest.mark.tensorflow_only
def test_tf_data_batches_are_grouped():
    import tensorflow as tf

    gan = make_gan(fresh=True)
    gan.fit(tf.data.Dataset.from_tensor_slices(X).batch(2), epochs=1, verbose=0)
    batches = [[X[0:2], X[2:4]], [X[4:6], X[6:8]]]
    np.testing.assert_allclose(kernel(gan), expected_kernel(batches), rtol=1e-5)


def test_generator_input_is_rejected_before_training():
    gan = make_gan(fresh=True)

    def batches():
        yield X[:4]

    with pytest.raises(ValueError, match=r"fresh_real_batches=True\) needs"):
        gan.fit(batches(), epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == 0


def test_fresh_real_batches_must_be_bool():
    gan = GAN(constant_generator(3, C), linear_discriminator(2, W, 0.1))
    with pytest.raises(ValueError, match="fresh_real_batches must be True or False"):
        gan.compile(fresh_real_batches="yes")


def test_saved_with_the_compile_config(tmp_path):
    gan = make_gan(fresh=True)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.fresh_real_batches is True
    assert loaded.d_steps == 2


def test_fewer_samples_than_critic_updates_reuse_samples_in_turn():
    # 8 samples, batch 1, d_steps 3: steps read [0:3], [3:6], [6:8]; the last
    # has 2 samples for 3 parts: samples 6, 7, 6.
    gan = make_gan(fresh=True, d_steps=3)
    gan.fit(X, batch_size=1, epochs=1, verbose=0, shuffle=False)
    batches = [
        [X[0:1], X[1:2], X[2:3]],
        [X[3:4], X[4:5], X[5:6]],
        [X[6:7], X[7:8], X[6:7]],
    ]
    np.testing.assert_allclose(kernel(gan), expected_kernel(batches), rtol=1e-5)


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="needs torch")
def test_torch_data_loader_is_checked_and_trained_on():
    import torch

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X * 255)), batch_size=4
    )
    gan = make_gan(fresh=False)
    with pytest.raises(ValueError, match=r"\[-1.0, 1.0\]"):
        gan.fit(loader, epochs=1, verbose=0)
    loader = torch.utils.data.DataLoader(torch.from_numpy(X), batch_size=4)
    gan.fit(loader, epochs=1, verbose=0)
    expected = expected_kernel([[X[:4], X[:4]], [X[4:], X[4:]]])
    np.testing.assert_allclose(kernel(gan), expected, rtol=1e-5)
