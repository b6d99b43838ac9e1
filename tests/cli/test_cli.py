import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_gan_layers.cli.main import main
from tests.helpers import assert_wrote_line_lists_the_output

TINY = [
    "--epochs",
    "2",
    "--image-size",
    "8",
    "--filters",
    "8",
    "--latent-dim",
    "8",
    "--batch-size",
    "128",
    "--verbose",
    "0",
]


def test_train_writes_everything_then_sample(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--out",
                str(out),
                "--loss",
                "hinge",
                "--penalty",
                "r1",
                "--penalty-weight",
                "0.5",
                *TINY,
            ]
        )
        == 0
    )
    for name in (
        "generator.keras",
        "gan.keras",
        "history.json",
        "config.json",
        "losses.png",
    ):
        assert (out / name).is_file(), name
    assert sorted(os.listdir(out / "samples")) == ["epoch_0001.png", "epoch_0002.png"]
    history = json.loads((out / "history.json").read_text())
    assert set(history) == {
        "loss",
        "d_loss",
        "g_loss",
        "r1_penalty",
        "real_score",
        "fake_score",
    }
    assert all(len(v) == 2 and np.isfinite(v).all() for v in history.values())
    config = json.loads((out / "config.json").read_text())
    assert (
        config["loss"] == "hinge"
        and config["penalty_weight"] == 0.5
        and config["image_shape"] == [8, 8, 1]
    )
    printed = capsys.readouterr().out
    assert "last sample grid" in printed
    assert_wrote_line_lists_the_output(printed, out)

    grid = tmp_path / "grid.png"
    assert (
        main(
            [
                "sample",
                "--model",
                str(out / "generator.keras"),
                "-n",
                "9",
                "--out",
                str(grid),
                "--scale",
                "1",
            ]
        )
        == 0
    )
    assert np.asarray(Image.open(grid)).shape == (26, 26)  # 3 x 8 + 2 padding
    assert (
        main(
            [
                "sample",
                "--model",
                str(out / "gan.keras"),
                "-n",
                "4",
                "--out",
                str(grid),
                "--scale",
                "2",
            ]
        )
        == 0
    )
    assert np.asarray(Image.open(grid)).shape == (34, 34)


# The CLI is backend-independent Python around fit/save/load/generate. One
# full train-then-sample run (test_train_writes_everything_then_sample) runs
# on every backend; the other training runs are TensorFlow-only, since each
# costs 10-50 s of JAX compilation and what they add per backend is proven
# elsewhere on all three: directory loading in tests/datasets
# (test_from_directory), ConditionalGAN fit/EMA/save/load/generate in
# tests/models/test_conditional_gan.py, GANEvaluation metrics in
# tests/callbacks, keras-tuner search in tests/tuners, and the training step
# itself in tests/backend (test_cross_backend_equivalence).
TENSORFLOW_ONLY_RUN = pytest.mark.tensorflow_only


@TENSORFLOW_ONLY_RUN
def test_train_from_directory(tmp_path):
    data = tmp_path / "images"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (10, 10), dtype=np.uint8)).save(
            data / f"{i}.png"
        )
    out = tmp_path / "run"
    args = [
        "train",
        "--data-dir",
        str(data),
        "--grayscale",
        "--out",
        str(out),
        "--epochs",
        "1",
        "--image-size",
        "8",
        "--filters",
        "4",
        "--latent-dim",
        "4",
        "--batch-size",
        "4",
        "--verbose",
        "0",
    ]
    assert main(args) == 0
    assert json.loads((out / "config.json").read_text())["image_shape"] == [8, 8, 1]


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--dataset", "imagenet"],
            "unknown dataset 'imagenet'; valid datasets: digits, mnist, fashion_mnist, cifar10",
        ),
        (["--loss", "wgan-gp"], "unknown loss 'wgan-gp'; valid losses: bce,"),
        (
            ["--penalty", "l2"],
            "unknown penalty 'l2'; valid penalties: none, gp, r1, r2, dragan",
        ),
        (["--data-dir", "/nonexistent/images"], "does not exist"),
        (["--image-size", "10"], "--image-size must be divisible by 4"),
        (["--epochs", "0"], "argument --epochs: must be a positive integer, got 0"),
        (
            ["--batch-size", "-5"],
            "argument --batch-size: must be a positive integer, got -5",
        ),
        (["--epochs", "many"], "expected a positive integer, got 'many'"),
        (
            ["--conditional", "--conditioning", "film"],
            "unknown conditioning 'film'; valid: concatenation, projection, auxiliary_classifier",
        ),
        (
            ["--conditional", "--data-dir", "."],
            "--conditional needs labels: use --dataset",
        ),
        (["--ema-decay", "1.0"], "--ema-decay must be in [0, 1), got 1.0"),
    ],
)
def test_bad_input_one_line_error_before_training(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        code = main(["train", "--out", str(out), *args])
        raise SystemExit(code)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
    assert not (out / "config.json").exists()


def test_empty_data_dir_and_unwritable_out(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert (
        main(
            [
                "train",
                "--data-dir",
                str(tmp_path / "empty"),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "No images found" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert (
        "output directory" in err
        and "is not writable" in err
        and len(err.strip().splitlines()) == 1
    )


def test_offline_keras_dataset_is_one_line(tmp_path, capsys, monkeypatch):
    import keras

    def offline():
        raise Exception("URL fetch failure")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    assert main(["train", "--dataset", "mnist", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "download failed" in err and len(err.splitlines()) == 1


@TENSORFLOW_ONLY_RUN
@pytest.mark.parametrize("conditioning", ["projection", "auxiliary_classifier"])
def test_conditional_train_then_sample_labels(tmp_path, capsys, conditioning):
    out = tmp_path / "run"
    args = ["train", "--out", str(out), "--conditional", "--ema-decay", "0.9"]
    args += [
        "--conditioning",
        conditioning,
        "--eval-every",
        "2",
        "--eval-samples",
        "100",
    ]
    assert main([*args, *TINY]) == 0
    history = json.loads((out / "history.json").read_text())
    # The bundled digit classifier scores the requested classes.
    assert 0.0 <= history["val_class_accuracy"][-1] <= 1.0
    if conditioning == "auxiliary_classifier":
        assert {"d_cls_loss", "g_cls_loss"} <= set(history)
    # One row per class: 64 // 10 = 6 columns of 8x8 tiles, 10 rows, scale 16.
    grid = np.asarray(Image.open(out / "samples" / "epoch_0002.png"))
    assert grid.shape[:2] == (16 * (10 * 8 + 9), 16 * (6 * 8 + 5))
    import keras

    gan = keras.saving.load_model(str(out / "gan.keras"))
    # generator.keras is the EMA copy that generate() samples from.
    shipped = keras.saving.load_model(str(out / "generator.keras"))
    for a, b in zip(shipped.get_weights(), gan.ema_generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    grid_path = tmp_path / "g.png"
    code = main(
        [
            "sample",
            "--model",
            str(out / "gan.keras"),
            "--labels",
            "3,3,7",
            "--seed",
            "4",
            "--scale",
            "1",
            "--out",
            str(grid_path),
        ]
    )
    assert code == 0
    expected = gan.generate(3, labels=[3, 3, 7], seed=4)
    tiles = np.asarray(Image.open(grid_path))
    pixels = np.round((np.clip(expected, -1, 1) + 1) / 2 * 255)
    np.testing.assert_array_equal(tiles[:8, :8], pixels[0, :, :, 0])
    np.testing.assert_array_equal(tiles[9:17, :8], pixels[2, :, :, 0])  # 2 columns
    # From generator.keras the class count is read from the label layers.
    code = main(
        [
            "sample",
            "--model",
            str(out / "generator.keras"),
            "--labels",
            "9,10",
            "--out",
            str(grid_path),
        ]
    )
    assert code == 2
    assert (
        "--labels must lie in [0, 10) for this model, got [10]"
        in capsys.readouterr().err
    )


@TENSORFLOW_ONLY_RUN
def test_sample_labels_need_a_conditional_model(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *TINY]) == 0
    code = main(
        [
            "sample",
            "--model",
            str(out / "gan.keras"),
            "--labels",
            "1",
            "--out",
            str(tmp_path / "g.png"),
        ]
    )
    assert code == 2
    assert "--labels needs a conditional model" in capsys.readouterr().err
    code = main(
        [
            "sample",
            "--model",
            str(out / "gan.keras"),
            "--labels",
            "a,b",
            "--out",
            str(tmp_path / "g.png"),
        ]
    )
    assert code == 2
    assert "--labels must be comma-separated integers" in capsys.readouterr().err


def test_sample_missing_model(tmp_path, capsys):
    assert main(["sample", "--model", str(tmp_path / "nope.keras")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_console_entry_point_as_a_process(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_gan_layers.cli.main",
            "train",
            "--loss",
            "nope",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "keras-gan" in line]
    assert lines == [line for line in result.stderr.splitlines() if line.strip()][-1:]
    assert "unknown loss 'nope'" in lines[0]


@TENSORFLOW_ONLY_RUN
def test_train_eval_every_then_evaluate(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--out",
                str(out),
                "--eval-every",
                "1",
                "--eval-samples",
                "64",
                *TINY,
            ]
        )
        == 0
    )
    history = json.loads((out / "history.json").read_text())
    assert len(history["val_kid"]) == 2 and len(history["val_fid"]) == 2
    assert (out / "metrics.png").is_file()
    recorded = json.loads((out / "metrics.json").read_text())
    assert [r["epoch"] for r in recorded] == [1, 2]
    assert_wrote_line_lists_the_output(capsys.readouterr().out, out)
    results = tmp_path / "eval.json"
    args = [
        "evaluate",
        "--model",
        str(out / "generator.keras"),
        "-n",
        "64",
        "--metrics",
        "fid,kid,is",
        "--json",
        str(results),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    values = json.loads(results.read_text())
    assert set(values) == {"fid", "kid", "kid_std", "is", "extractor"}
    assert values["extractor"] == "bundled digits classifier (8x8, offline)"
    assert f"extractor  {values['extractor']}" in printed
    assert recorded[-1]["extractor"] == values["extractor"]
    assert f"{values['fid']:.6g}" in printed
    # Same generator, same seed and sample count: the CLI reproduces the last in-training FID.
    assert values["fid"] == pytest.approx(history["val_fid"][-1], rel=1e-6)


def test_evaluate_bad_input(tmp_path, capsys):
    assert main(["evaluate", "--model", str(tmp_path / "none.keras")]) == 2
    assert "does not exist" in capsys.readouterr().err
    model = tmp_path / "m.keras"
    model.write_text("x")
    assert main(["evaluate", "--model", str(model), "--metrics", "fid,ssim"]) == 2
    assert "unknown metrics ['ssim']" in capsys.readouterr().err


@TENSORFLOW_ONLY_RUN
def test_tune_writes_table_plot_and_best_generator(tmp_path, capsys):
    pytest.importorskip("keras_tuner")
    out = tmp_path / "tune"
    args = [
        "tune",
        "--trials",
        "2",
        "--epochs",
        "1",
        "--eval-samples",
        "64",
        "--out",
        str(out),
        "--batch-size",
        "128",
    ]
    assert main(args) == 0
    rows = json.loads((out / "trials.json").read_text())
    assert len(rows) == 2 and all(
        r["status"] == "COMPLETED" and np.isfinite(r["score"]) for r in rows
    )
    assert (out / "trials.csv").read_text().startswith("trial_id,status,score")
    assert (out / "objective.png").is_file()
    import keras

    generator = keras.saving.load_model(str(out / "best_generator.keras"))
    assert generator.output_shape == (None, 8, 8, 1)
    printed = capsys.readouterr().out
    best = min(r["score"] for r in rows)
    assert f"best KID {best:.6g}" in printed


def test_tune_bad_input(tmp_path, capsys):
    assert main(["tune", "--dataset", "imagenet", "--out", str(tmp_path)]) == 2
    assert "unknown dataset 'imagenet'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["tune", "--trials", "0"])
    assert info.value.code == 2


@pytest.mark.parametrize(
    "convert,message",
    [
        (
            lambda x: np.round((x + 1) * 127.5).astype("uint8"),
            "as floats in [-1.0, 1.0], like the generator's tanh output. Received "
            "uint8 values in [0, 255]. Scale 8-bit images with "
            "keras_gan_layers.datasets.scale_images(x)",
        ),
        (lambda x: (x + 1) * 127.5, "Received values in [0, 255]. Rescale them"),
        (lambda x: np.where(x > 0.9, np.nan, x), "non-finite values (NaN or inf)"),
    ],
    ids=["uint8", "float-0-255", "nan"],
)
def test_evaluate_rejects_raw_real_images(
    tmp_path, capsys, monkeypatch, convert, message
):
    # A loader that hands back unscaled pixels (here patched in) must not give
    # FID 1.6e7 silently: one line, exit status 2, before any generation.
    from keras_gan_layers import architectures, datasets
    from keras_gan_layers.cli import train

    path = str(tmp_path / "generator.keras")
    architectures.dcgan_generator(8, (8, 8, 1), filters=8).save(path)
    monkeypatch.setattr(
        train, "load_real_images", lambda args, shape: convert(datasets.load_digits())
    )
    assert main(["evaluate", "--model", path, "-n", "8", "--metrics", "fid"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(
        "keras-gan evaluate: error: the evaluation expects real images (--dataset digits)"
    ) or err.startswith(
        "keras-gan evaluate: error: the evaluation received non-finite values"
    ), err
    assert message in err
