import glob
import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan_layers import ImageSnapshot
from tests.helpers import tiny_images, tiny_mlp_gan


def read(path):
    return np.asarray(Image.open(path))


def test_snapshots_inside_fit(tmp_path):
    gan = tiny_mlp_gan()
    gan.compile()
    snap = ImageSnapshot(str(tmp_path / "s"), every_n_epochs=2, num_images=16, seed=3)
    gan.fit(tiny_images(16), batch_size=8, epochs=4, verbose=0, callbacks=[snap])
    files = sorted(
        os.path.basename(p) for p in glob.glob(str(tmp_path / "s" / "*.png"))
    )
    assert files == ["epoch_0002.png", "epoch_0004.png"]
    # 16 images of 8x8 in a 4x4 grid with 1-pixel padding: 4 * 8 + 3 = 35 pixels.
    assert read(tmp_path / "s" / "epoch_0004.png").shape == (35, 35)
    # Fixed latents: a snapshot without training in between is identical;
    # the grid equals the generator's output on the seed's latent vectors.
    again = snap.snapshot(3)
    z = np.random.default_rng(3).standard_normal((16, 8)).astype("float32")
    images = keras.ops.convert_to_numpy(gan.generator(z, training=False))
    expected = np.round((np.clip(images, -1, 1) + 1) / 2 * 255).astype(np.uint8)
    grid = read(again)
    np.testing.assert_array_equal(grid[:8, :8], expected[0, :, :, 0])
    np.testing.assert_array_equal(grid[9:17, 9:17], expected[5, :, :, 0])


def test_explicit_generator_and_tensorboard(tmp_path):
    gan = tiny_mlp_gan()
    gan.compile()
    snap = ImageSnapshot(
        str(tmp_path / "png"),
        generator=gan.generator,
        log_dir=str(tmp_path / "tb"),
        num_images=4,
        scale=2,
    )
    gan.fit(tiny_images(8), batch_size=8, epochs=1, verbose=0, callbacks=[snap])
    assert read(snap.written[0]).shape == (2 * 17, 2 * 17)
    assert glob.glob(str(tmp_path / "tb" / "events.out.tfevents.*"))


def test_model_without_generator(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="needs a model with a `generator` attribute"):
        model.fit(
            np.ones((4, 2)),
            np.ones((4, 1)),
            verbose=0,
            callbacks=[ImageSnapshot(str(tmp_path))],
        )


def test_argument_errors_and_config(tmp_path):
    with pytest.raises(
        ValueError, match="every_n_epochs, num_images and scale must be >= 1"
    ):
        ImageSnapshot(str(tmp_path), every_n_epochs=0)
    with pytest.raises(ValueError, match="needs a directory, a log_dir or both"):
        ImageSnapshot(None)
    snap = ImageSnapshot(str(tmp_path), every_n_epochs=3, num_images=9, seed=1, scale=2)
    assert (
        ImageSnapshot.from_config(snap.get_config()).get_config() == snap.get_config()
    )


def test_tensorboard_missing_is_a_clear_error(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match="keras-gan-layers\\[tensorboard\\]"):
        ImageSnapshot(str(tmp_path), log_dir=str(tmp_path / "tb"))
