"""GAN construction, compile, fit on every input type, errors, save/load."""

import os

import keras
import numpy as np
import pytest

import keras_gan_layers as kgl
from keras_gan_layers import GAN, architectures, losses
from tests.helpers import tiny_dcgan, tiny_images, tiny_mlp_gan


def compiled(gan=None, **kwargs):
    """`gan` (by default the MLP GAN: the `fit` tests do not need convolutions)."""
    gan = gan or tiny_mlp_gan()
    gan.compile(**kwargs)
    return gan


# ----------------------------------------------------------- construction
def test_latent_shape_read_from_generator():
    gan = tiny_dcgan(latent_dim=8)
    assert gan.latent_shape == (8,)
    assert GAN(gan.generator, gan.discriminator, latent_dim=8).latent_shape == (8,)


def test_shape_mismatch_names_both_shapes():
    generator = architectures.dcgan_generator(8, (8, 8, 1), filters=8)
    discriminator = architectures.dcgan_discriminator((16, 16, 1), filters=8)
    with pytest.raises(ValueError, match=r"\(None, 8, 8, 1\).*\(None, 16, 16, 1\)"):
        GAN(generator, discriminator)


def test_latent_dim_mismatch():
    gan = tiny_dcgan(latent_dim=8)
    with pytest.raises(ValueError, match="latent_dim=5 does not match.*\\(None, 8\\)"):
        GAN(gan.generator, gan.discriminator, latent_dim=5)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (
            {"latent_distribution": "cauchy"},
            "latent_distribution must be one of normal, uniform",
        ),
        ({"data_range": (1, -1)}, "data_range must be"),
        ({"latent_dim": 0}, "latent_dim must be positive"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    gan = tiny_dcgan()
    with pytest.raises(ValueError, match=match):
        GAN(gan.generator, gan.discriminator, **kwargs)


def test_networks_must_be_keras():
    gan = tiny_dcgan()
    with pytest.raises(ValueError, match="generator must be a Keras model"):
        GAN(lambda z: z, gan.discriminator)


# ---------------------------------------------------------------- compile
def test_fit_before_compile():
    with pytest.raises(
        ValueError, match=r"GAN.fit\(\) was called before GAN.compile\(\)"
    ):
        tiny_dcgan().fit(tiny_images(), epochs=1, verbose=0)


def test_compile_errors():
    gan = tiny_dcgan()
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two different optimizer objects"):
        gan.compile(d_optimizer=opt, g_optimizer=opt)
    with pytest.raises(
        ValueError, match="d_steps must be an integer >= 1. Received: d_steps=0"
    ):
        gan.compile(d_steps=0)
    with pytest.raises(ValueError, match="Unknown GAN loss: 'foo'"):
        gan.compile(loss="foo")
    with pytest.raises(ValueError, match="Clashing: \\['gradient_penalty'\\]"):
        gan.compile(penalties=["gp", "gp"])
    with pytest.raises(ValueError, match="on_nonfinite must be one of raise, stop"):
        gan.compile(on_nonfinite="ignore")


def test_default_optimizers_are_dcgan_adam():
    gan = compiled()
    for opt in (gan.d_optimizer, gan.g_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4)
        assert opt.beta_1 == pytest.approx(0.5)
    assert gan.d_optimizer is not gan.g_optimizer


def test_other_backends_get_a_clear_error(monkeypatch):
    from keras_gan_layers import backend

    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    with pytest.raises(
        NotImplementedError,
        match="not implemented for the 'numpy' Keras backend.*tensorflow, jax, torch",
    ):
        backend.backend_module()


# ------------------------------------------------------------------- data
def expected_logs(*penalties):
    return {"loss", "d_loss", "g_loss", "real_score", "fake_score", *penalties}


def test_fit_numpy_logs_and_steps():
    gan = compiled(loss="wgan", penalties=["gp", "r1"], d_steps=2)
    history = gan.fit(tiny_images(40), batch_size=16, epochs=2, verbose=0)
    assert set(history.history) == expected_logs("gradient_penalty", "r1_penalty")
    assert all(np.isfinite(v).all() for v in history.history.values())
    # ceil(40 / 16) = 3 steps per epoch
    assert int(gan.g_optimizer.iterations) == 6
    assert int(gan.d_optimizer.iterations) == 12


def test_fit_tf_data_with_labels():
    tf = pytest.importorskip("tensorflow")  # tf.data feeds every backend

    x = tiny_images(32)
    labels = np.arange(32)
    ds = tf.data.Dataset.from_tensor_slices((x, labels)).batch(8)
    gan = compiled()
    gan.fit(ds, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 4


def test_fit_numpy_with_labels_ignored():
    gan = compiled()
    gan.fit(tiny_images(32), np.arange(32), batch_size=16, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 2


class Batches(keras.utils.PyDataset):
    def __init__(self, x, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        return self.x[i * self.batch_size : (i + 1) * self.batch_size]


def test_fit_pydataset():
    gan = compiled()
    gan.fit(Batches(tiny_images(24), 8), epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 3


def test_fit_python_generator_first_batch_not_lost():
    seen = []

    def batches():
        for i in range(3):
            seen.append(i)
            yield (tiny_images(8, seed=i),)

    gan = compiled()
    gan.fit(batches(), epochs=1, steps_per_epoch=3, verbose=0, shuffle=False)
    assert seen == [0, 1, 2]
    assert int(gan.g_optimizer.iterations) == 3


def test_validation_data():
    gan = compiled()
    history = gan.fit(
        tiny_images(32),
        batch_size=16,
        epochs=1,
        verbose=0,
        validation_data=tiny_images(16, seed=1),
    )
    assert {"val_d_loss", "val_g_loss", "val_real_score", "val_fake_score"} <= set(
        history.history
    )
    result = gan.evaluate(tiny_images(16), batch_size=8, verbose=0, return_dict=True)
    assert set(result) == expected_logs()


@pytest.mark.parametrize(
    "x,match",
    [
        (
            np.full((8, 8, 8, 1), 200, np.uint8),
            "uint8 values in \\[200, 200\\].*scale_images",
        ),
        (
            np.linspace(0, 255, 8 * 64, dtype="float32").reshape(8, 8, 8, 1),
            "Received values in \\[0, 255\\]",
        ),
        (np.full((8, 8, 8, 1), np.nan, "float32"), "non-finite"),
    ],
)
def test_bad_real_data_rejected_before_training(x, match):
    gan = compiled()
    with pytest.raises(ValueError, match=match):
        gan.fit(x, batch_size=4, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 0


def test_bad_tf_data_rejected():
    tf = pytest.importorskip("tensorflow")

    ds = tf.data.Dataset.from_tensor_slices(np.full((8, 8, 8, 1), 255, np.uint8)).batch(
        4
    )
    with pytest.raises(ValueError, match="uint8"):
        compiled().fit(ds, epochs=1, verbose=0)


def test_bad_validation_data_rejected():
    with pytest.raises(ValueError, match="validation images"):
        compiled().fit(
            tiny_images(8), epochs=1, verbose=0, validation_data=tiny_images(8) * 5
        )


def test_data_range_none_accepts_any_range():
    gan = compiled(tiny_mlp_gan(data_range=None))
    gan.fit(tiny_images(8) * 5, batch_size=8, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 1


# --------------------------------------------------------------- non-finite
class NaNGeneratorLoss(losses.WassersteinLoss):
    def generator_loss(self, fake_logits, real_logits=None):
        return keras.ops.log(-keras.ops.abs(super().generator_loss(fake_logits)) - 1.0)


def test_nonfinite_loss_raises_naming_it():
    gan = compiled(loss=NaNGeneratorLoss())
    with pytest.raises(
        kgl.NonFiniteLossError, match="g_loss is nan at epoch 1, batch 1"
    ):
        gan.fit(tiny_images(16), batch_size=8, epochs=3, verbose=0)


def test_nonfinite_loss_stop_mode(capsys):
    gan = compiled(loss=NaNGeneratorLoss(), on_nonfinite="stop")
    history = gan.fit(tiny_images(16), batch_size=8, epochs=3, verbose=0)
    assert len(history.history["g_loss"]) == 1
    assert "g_loss is nan" in capsys.readouterr().out


def test_terminate_on_nan_works():
    gan = compiled(loss=NaNGeneratorLoss())
    history = gan.fit(
        tiny_images(16),
        batch_size=8,
        epochs=3,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )
    assert len(history.history["loss"]) == 1
    assert int(gan.g_optimizer.iterations) == 1


# ------------------------------------------------------------- generation
def test_generate_shapes_and_seeds():
    gan = tiny_dcgan()
    a = gan.generate(5, seed=3)
    assert isinstance(a, np.ndarray) and a.shape == (5, 8, 8, 1)
    np.testing.assert_array_equal(a, gan.generate(5, seed=3))
    assert not np.allclose(a, gan.generate(5, seed=4))
    assert np.abs(a).max() <= 1.0
    np.testing.assert_allclose(gan.generate(5, seed=3, batch_size=2), a, atol=1e-6)
    with pytest.raises(ValueError, match="num_samples must be >= 1"):
        gan.generate(0)


def test_call_and_predict_run_the_generator():
    gan = tiny_dcgan()
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    expected = keras.ops.convert_to_numpy(gan.generator(z, training=False))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan(z)), expected, atol=1e-6)
    np.testing.assert_allclose(gan.predict(z, verbose=0), expected, atol=1e-6)


def test_uniform_latents():
    gan = tiny_dcgan(latent_distribution="uniform")
    z = keras.ops.convert_to_numpy(gan.sample_latents(2000, seed=0))
    assert z.min() >= -1 and z.max() <= 1
    assert abs(z.std() - np.sqrt(1 / 3)) < 0.02  # std of U[-1, 1]
    z = keras.ops.convert_to_numpy(tiny_dcgan().sample_latents(4000, seed=0))
    assert abs(z.std() - 1.0) < 0.03


def test_seed_makes_training_repeatable():
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        gan = compiled(tiny_mlp_gan(seed=5))
        initial = [np.array(w) for w in gan.generator.get_weights()]
        gan.fit(tiny_images(16), batch_size=8, epochs=1, verbose=0, shuffle=False)
        runs.append((gan.generate(4, seed=0), gan.get_weights()))
    np.testing.assert_allclose(runs[0][0], runs[1][0], atol=1e-6)
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_allclose(a, b, atol=1e-6)
    # The generator was trained: the two runs are not two no-ops (a zero
    # generator loss would leave it as initialised and still pass the above).
    trained = gan.generator.get_weights()
    moved = [not np.allclose(a, b) for a, b in zip(initial, trained)]
    assert moved and all(moved), moved


# -------------------------------------------------------- Keras callbacks
def test_learning_rate_scheduler_reaches_both_optimizers():
    gan = compiled()
    scheduler = keras.callbacks.LearningRateScheduler(
        lambda epoch, lr: 1e-3 * (epoch + 1)
    )
    gan.fit(tiny_images(8), batch_size=8, epochs=2, verbose=0, callbacks=[scheduler])
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-3)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2e-3)


def test_model_checkpoint_monitors_gan_logs(tmp_path):
    path = str(tmp_path / "best.keras")
    gan = compiled()
    checkpoint = keras.callbacks.ModelCheckpoint(
        path, monitor="g_loss", mode="min", save_best_only=True
    )
    gan.fit(tiny_images(16), batch_size=8, epochs=2, verbose=0, callbacks=[checkpoint])
    assert os.path.exists(path)


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="Keras' PyTorch trainer requires steps_per_execution=1",
)
def test_steps_per_execution():
    gan = compiled(steps_per_execution=2)
    gan.fit(tiny_images(32), batch_size=8, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 4


# -------------------------------------------------------------- save/load
def test_save_load_round_trip(tmp_path):
    gan = compiled(
        loss=losses.HingeLoss(),
        penalties=[kgl.penalties.R1Penalty(gamma=0.5)],
        d_steps=2,
    )
    gan.fit(tiny_images(16), batch_size=8, epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, GAN)
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(z)), keras.ops.convert_to_numpy(gan(z))
    )
    images = tiny_images(4)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.discriminator(images)),
        keras.ops.convert_to_numpy(gan.discriminator(images)),
    )
    assert isinstance(loaded.loss_fn, losses.HingeLoss)
    assert loaded.penalties[0].gamma == 0.5 and loaded.d_steps == 2
    for a, b in zip(loaded.d_optimizer.variables, gan.d_optimizer.variables):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        )
    assert int(loaded.g_optimizer.iterations) == 2
    # Training resumes.
    loaded.fit(tiny_images(16), batch_size=8, epochs=1, verbose=0)
    assert int(loaded.g_optimizer.iterations) == 4


def test_uncompiled_save_load(tmp_path):
    gan = tiny_dcgan(latent_distribution="uniform", data_range=None)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.latent_distribution == "uniform" and loaded.data_range is None
    np.testing.assert_array_equal(loaded.generate(3, seed=1), gan.generate(3, seed=1))


def test_generator_saves_alone(tmp_path):
    gan = compiled()
    gan.fit(tiny_images(8), batch_size=8, epochs=1, verbose=0)
    path = str(tmp_path / "generator.keras")
    gan.generator.save(path)
    generator = keras.saving.load_model(path)
    z = np.ones((2, 8), "float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(generator(z)),
        keras.ops.convert_to_numpy(gan.generator(z)),
    )


def test_get_config_round_trip():
    gan = tiny_dcgan(latent_distribution="uniform", seed=3, data_range=(0, 1))
    clone = GAN.from_config(gan.get_config())
    assert (
        clone.latent_shape == (8,)
        and clone.seed == 3
        and clone.data_range == (0.0, 1.0)
    )
    assert clone.get_config()["generator"] == gan.get_config()["generator"]
