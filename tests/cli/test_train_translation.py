"""`keras-gan train --model cyclegan|pix2pix` on tiny folders of PNGs."""

import json
import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan_layers.cli.main import main
from tests.helpers import assert_wrote_line_lists_the_output

TINY = [
    "--epochs",
    "1",
    "--image-size",
    "8",
    "--filters",
    "4",
    "--batch-size",
    "2",
    "--verbose",
    "0",
]
SIZE = 8
SCALE = 128 // SIZE  # the CLI's grid upscaling


def folder(path, pixels):
    """Write `pixels[i]` as `path/img_i.png`; return the arrays in sorted file order."""
    path.mkdir(parents=True)
    for i, image in enumerate(pixels):
        Image.fromarray(image).save(path / f"img_{i}.png")
    return [pixels[i] for i in sorted(range(len(pixels)), key=lambda i: f"img_{i}.png")]


def random_pixels(n, shape, seed):
    return np.random.default_rng(seed).integers(0, 256, (n, *shape), dtype=np.uint8)


def tile(grid, row, column, size=SIZE):
    top, left = row * (size + 1), column * (size + 1)
    return grid[top : top + size, left : left + size]


def last_grid(out):
    """The last sample grid, scaled back down to one pixel per image pixel."""
    samples = sorted(os.listdir(out / "samples"))
    big = np.asarray(Image.open(out / "samples" / samples[-1]))
    return samples, big[::SCALE, ::SCALE], big.shape


# Fitting, saving and loading CycleGAN and Pix2Pix runs on every backend in
# tests/models; the CLI around them is backend-independent Python, so its
# training runs are TensorFlow-only (as in test_cli.py).
TENSORFLOW_ONLY_RUN = pytest.mark.tensorflow_only


@TENSORFLOW_ONLY_RUN
def test_cyclegan_run_then_translate(tmp_path, capsys):
    a = folder(tmp_path / "a", random_pixels(6, (SIZE, SIZE), 0))
    b = folder(tmp_path / "b", random_pixels(5, (SIZE, SIZE), 1))
    out = tmp_path / "run"
    args = ["train", "--model", "cyclegan", "--grayscale", "--penalty", "r1"]
    args += ["--out", str(out)]
    data = ["--data-a", str(tmp_path / "a"), "--data-b", str(tmp_path / "b")]
    assert main([*args, *data, *TINY]) == 0
    for name in (
        "model.keras",
        "generator_ab.keras",
        "generator_ba.keras",
        "history.json",
        "config.json",
        "losses.png",
    ):
        assert (out / name).is_file(), name
    assert not (out / "backup").exists()
    history = json.loads((out / "history.json").read_text())
    assert set(history) == {
        "loss",
        "d_a_loss",
        "d_b_loss",
        "r1_penalty",
        "g_ab_loss",
        "g_ba_loss",
        "cycle_loss",
        "identity_loss",
    }
    assert all(len(v) == 1 and np.isfinite(v).all() for v in history.values())
    config = json.loads((out / "config.json").read_text())
    # The papers' recipe where not given: least squares loss, Adam(2e-4).
    assert config["model"] == "cyclegan" and config["loss"] == "lsgan"
    assert config["lr"] == 2e-4 and config["batch_size"] == 2
    assert config["image_shape"] == [SIZE, SIZE, 1] and config["ema_decay"] is None
    assert_wrote_line_lists_the_output(capsys.readouterr().out, out)

    # Grid: A inputs / A->B / A->B->A / B inputs / B->A / B->A->B, one column
    # per fixed image (the first 5 of each folder, in sorted order).
    samples, grid, shape = last_grid(out)
    assert samples == ["epoch_0001.png"]
    assert shape == (SCALE * (6 * SIZE + 5), SCALE * (5 * SIZE + 4))
    for c in range(5):
        np.testing.assert_array_equal(tile(grid, 0, c), a[c])
        np.testing.assert_array_equal(tile(grid, 3, c), b[c])

    # The saved generator translates the A folder as the grid's second row
    # (the grid read the images through tf.image.rgb_to_grayscale, whose
    # weights sum to 0.9999: one step of 255 at most).
    translated = tmp_path / "translated"
    assert (
        main(
            [
                "translate",
                "--model",
                str(out / "model.keras"),
                "--input",
                str(tmp_path / "a"),
                "--out",
                str(translated),
            ]
        )
        == 0
    )
    for c in range(5):
        png = np.asarray(Image.open(translated / f"img_{c}.png"), "int32")
        assert np.abs(png - tile(grid, 1, c)).max() <= 1
    generator = keras.saving.load_model(out / "generator_ba.keras")
    assert generator.input_shape == (None, SIZE, SIZE, 1)


@TENSORFLOW_ONLY_RUN
def test_pix2pix_pairs_files_in_sorted_order(tmp_path):
    pixels = random_pixels(6, (SIZE, SIZE, 3), 2)
    a = folder(tmp_path / "a", pixels)
    b = folder(tmp_path / "b", 255 - pixels)  # each A image's negative
    out = tmp_path / "run"
    data = ["--data-a", str(tmp_path / "a"), "--data-b", str(tmp_path / "b")]
    args = ["train", "--model", "pix2pix", "--loss", "hinge", "--out", str(out)]
    assert main([*args, *data, *TINY]) == 0
    for name in ("model.keras", "generator.keras", "history.json", "losses.png"):
        assert (out / name).is_file(), name
    history = json.loads((out / "history.json").read_text())
    assert set(history) == {
        "loss",
        "d_loss",
        "real_score",
        "fake_score",
        "g_loss",
        "l1_loss",
    }
    config = json.loads((out / "config.json").read_text())
    assert config["loss"] == "hinge" and config["lr"] == 2e-4
    # Grid: inputs / translations / targets; the targets are the inputs'
    # own negatives, so the pairs were kept.
    _, grid, shape = last_grid(out)
    assert shape == (SCALE * (3 * SIZE + 2), SCALE * (6 * SIZE + 5), 3)
    for c in range(6):
        np.testing.assert_array_equal(tile(grid, 0, c), a[c])
        np.testing.assert_array_equal(tile(grid, 2, c), b[c])
        np.testing.assert_array_equal(tile(grid, 2, c), 255 - tile(grid, 0, c))
    generator = keras.saving.load_model(out / "generator.keras")
    assert generator.output_shape == (None, SIZE, SIZE, 3)


@pytest.mark.slow  # two runs, each compiling the CycleGAN step
@TENSORFLOW_ONLY_RUN
def test_cyclegan_interrupted_then_resumed(tmp_path, capsys, monkeypatch):
    import keras_gan_layers as kgl

    folder(tmp_path / "a", random_pixels(4, (SIZE, SIZE), 3))
    folder(tmp_path / "b", random_pixels(4, (SIZE, SIZE), 4))
    out = tmp_path / "run"
    data = ["--data-a", str(tmp_path / "a"), "--data-b", str(tmp_path / "b")]
    args = ["train", "--model", "cyclegan", "--grayscale", "--out", str(out), *data]
    original = kgl.ImageSnapshot.on_epoch_end

    def stop_after_first_epoch(self, epoch, logs=None):
        original(self, epoch, logs)
        raise KeyboardInterrupt  # after the epoch's backup and history line

    monkeypatch.setattr(kgl.ImageSnapshot, "on_epoch_end", stop_after_first_epoch)
    tiny = [*TINY[:1], "2", *TINY[2:]]  # --epochs 2
    assert main([*args, *tiny]) == 130
    assert "interrupted after 1 finished epochs" in capsys.readouterr().err
    assert (out / "backup").is_dir() and not (out / "model.keras").exists()
    monkeypatch.setattr(kgl.ImageSnapshot, "on_epoch_end", original)
    assert main(["train", "--out", str(out), "--resume", "--verbose", "0"]) == 0
    history = json.loads((out / "history.json").read_text())
    assert len(history["cycle_loss"]) == 2
    assert sorted(os.listdir(out / "samples")) == ["epoch_0001.png", "epoch_0002.png"]
    assert (out / "model.keras").is_file() and not (out / "backup").exists()


@pytest.fixture
def folders(tmp_path):
    folder(tmp_path / "a", random_pixels(3, (SIZE, SIZE), 0))
    folder(tmp_path / "b", random_pixels(2, (SIZE, SIZE), 1))
    (tmp_path / "empty").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--model", "gan"],
            "unknown model 'gan'; valid models: dcgan, cyclegan, pix2pix",
        ),
        (
            ["--data-a", "{a}"],
            "--data-a: for --model cyclegan or pix2pix (two image folders); "
            "--model dcgan reads --dataset or --data-dir",
        ),
        (
            ["--model", "cyclegan", "--data-a", "{a}"],
            "--model cyclegan needs --data-a DIR and --data-b DIR (missing: --data-b)",
        ),
        (
            ["--model", "pix2pix"],
            "(missing: --data-a, --data-b)",
        ),
        (
            [
                "--model",
                "cyclegan",
                "--data-a",
                "{a}",
                "--data-b",
                "{b}",
                "--conditional",
            ],
            "--conditional goes with --model dcgan only, not --model cyclegan",
        ),
        (
            [
                "--model",
                "pix2pix",
                "--data-a",
                "{a}",
                "--data-b",
                "{a}",
                "--ema-decay",
                "0.9",
            ],
            "--ema-decay goes with --model dcgan only",
        ),
        (
            [
                "--model",
                "cyclegan",
                "--data-a",
                "{a}",
                "--data-b",
                "{b}",
                "--eval-every",
                "1",
            ],
            "--eval-every goes with --model dcgan only",
        ),
        (
            [
                "--model",
                "cyclegan",
                "--data-a",
                "{a}",
                "--data-b",
                "{b}",
                "--data-dir",
                "{a}",
            ],
            "--model cyclegan reads --data-a and --data-b; --dataset and --data-dir go with --model dcgan",
        ),
        (
            ["--model", "pix2pix", "--data-a", "{a}", "--data-b", "{b}"],
            "--model pix2pix pairs the files of --data-a and --data-b in sorted "
            "order, so their counts must agree; --data-a has 3 images, --data-b 2",
        ),
        (
            ["--model", "cyclegan", "--data-a", "{a}", "--data-b", "{empty}"],
            "--data-b: No images found in",
        ),
        (
            ["--model", "cyclegan", "--data-a", "{nope}", "--data-b", "{b}"],
            "--data-a: Image directory",
        ),
        (
            [
                "--model",
                "cyclegan",
                "--data-a",
                "{a}",
                "--data-b",
                "{b}",
                "--image-size",
                "4",
            ],
            "--model cyclegan needs --image-size 8 or more, got 4",
        ),
        (
            [
                "--model",
                "cyclegan",
                "--data-a",
                "{a}",
                "--data-b",
                "{b}",
                "--loss",
                "l1",
            ],
            "unknown loss 'l1'; valid losses:",
        ),
    ],
)
def test_bad_combinations_one_line_before_training(folders, capsys, args, message):
    paths = {k: str(folders / k) for k in ("a", "b", "empty", "nope")}
    out = folders / "out"
    code = main(["train", "--out", str(out), *(a.format(**paths) for a in args)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
    assert not (out / "config.json").exists()
