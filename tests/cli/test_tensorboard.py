"""`keras-gan train --tensorboard DIR`: the event files hold every epoch's
logs, both learning rates, the sample grids and the evaluation curves.

The event files are read back with TensorBoard's own `EventAccumulator` and
checked against what the run records independently: `history.json` (the
epoch logs `keras-gan train` writes itself) or Keras' `History`,
`metrics.json` (the evaluations), the configured learning rates, and the
PNG sample grids in `samples/`.

The callback `keras-gan train` adds runs on every backend with a tiny
fully connected GAN (a JAX or PyTorch CLI run costs 20-40 s of CPU, mostly
compilation); the CLI runs themselves are TensorFlow-only, as in
test_cli.py: the CLI is backend-independent Python around `fit`.
"""

import json
import sys

import numpy as np
import pytest
from PIL import Image

from keras_gan_layers.cli.main import main

TINY = [
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
SIZE = 8
SCALE = 128 // SIZE  # the CLI's upscaling of the PNG grids


def grid_side(count, size=SIZE):
    """Pixels along a grid side of `count` images of `size`, 1-pixel gaps."""
    return count * size + count - 1


def read_events(directory):
    """`{tag: [(step, value), ...]}` of one TensorBoard run folder.

    Scalars are floats; images are decoded to uint8 arrays.
    """
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
    from tensorboard.util.tensor_util import make_ndarray

    events = EventAccumulator(str(directory), size_guidance={"tensors": 0})
    events.Reload()
    out = {}
    for tag in events.Tags()["tensors"]:
        points = []
        for event in events.Tensors(tag):
            value = make_ndarray(event.tensor_proto)
            if value.dtype == object:  # an image: [width, height, png, ...]
                import io

                width, height = int(value[0]), int(value[1])
                image = np.asarray(Image.open(io.BytesIO(value[2])))
                assert image.shape[:2] == (height, width)
                value = image
            else:
                value = float(value)
            points.append((event.step, value))
        out[tag] = points
    return out


def steps(points):
    return [step for step, _ in points]


def values(points):
    return [value for _, value in points]


def as_float32(numbers):
    return [float(np.float32(x)) for x in numbers]


def test_every_log_both_learning_rates_and_grid_on_every_backend(tmp_path):
    import keras

    import keras_gan_layers as kgl
    from keras_gan_layers.cli.train import tensorboard_callback

    generator = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(16), keras.layers.Reshape((4, 4, 1))]
    )
    discriminator = keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    # ADA's p moves by 32 / 1000 per step (either way from 0.5): ada_p
    # differs between epochs.
    augment = kgl.layers.AdaptiveAugment(
        interval=1, ada_kimg=1, initial_p=0.5, augmentations="xflip", seed=0
    )
    gan = kgl.GAN(generator, discriminator, seed=0, augment=augment)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, name="d_optimizer"),
        g_optimizer=keras.optimizers.Adam(3e-3, name="g_optimizer"),
        penalties=[kgl.penalties.R1Penalty()],
    )
    images = np.random.default_rng(0).uniform(-1, 1, (64, 4, 4, 1))
    tb = tmp_path / "tb"
    snapshots = kgl.ImageSnapshot(None, num_images=4, log_dir=str(tb / "train"))
    history = gan.fit(
        images.astype("float32"),
        batch_size=32,
        epochs=2,
        verbose=0,
        callbacks=[tensorboard_callback(str(tb)), snapshots],
    ).history
    assert {"d_loss", "g_loss", "r1_penalty", "ada_p"} <= set(history)
    assert len(set(history["ada_p"])) == 2
    train = read_events(tb / "train")
    assert set(train) == {f"epoch_{key}" for key in history} | {
        "epoch_learning_rate_d_optimizer",
        "epoch_learning_rate_g_optimizer",
        "generated_images",
    }
    for key in history:
        assert steps(train[f"epoch_{key}"]) == [1, 2], key
        assert values(train[f"epoch_{key}"]) == as_float32(history[key]), key
    for player, rate in (("d", 1e-3), ("g", 3e-3)):
        points = train[f"epoch_learning_rate_{player}_optimizer"]
        assert points == [(1, float(np.float32(rate))), (2, float(np.float32(rate)))]
    grids = train["generated_images"]
    assert steps(grids) == [1, 2]
    assert grids[-1][1].shape[:2] == (grid_side(2, 4), grid_side(2, 4))
    assert not (tb / "validation").exists()  # no val_ logs


@pytest.mark.tensorflow_only  # see the module docstring
def test_scalars_learning_rates_images_and_eval_curves(tmp_path):
    out, tb = tmp_path / "run", tmp_path / "tb"
    args = ["train", "--out", str(out), "--tensorboard", str(tb), *TINY]
    args += ["--epochs", "4", "--lr", "0.001", "--eval-every", "2"]
    assert main([*args, "--eval-samples", "64"]) == 0
    history = json.loads((out / "history.json").read_text())
    train = read_events(tb / "train")
    assert {
        "epoch_d_loss",
        "epoch_g_loss",
        "epoch_loss",
        "epoch_real_score",
        "epoch_fake_score",
        "epoch_learning_rate_d_optimizer",
        "epoch_learning_rate_g_optimizer",
        "generated_images",
    } <= set(train)
    # One point per epoch, at the 1-based epoch, equal to the run's own
    # record of its logs (history.json, float32 as logged).
    for key in ("d_loss", "g_loss", "real_score", "fake_score"):
        assert steps(train[f"epoch_{key}"]) == [1, 2, 3, 4], key
        assert values(train[f"epoch_{key}"]) == as_float32(history[key]), key
    for player in ("d", "g"):
        points = train[f"epoch_learning_rate_{player}_optimizer"]
        assert points == [(step, float(np.float32(0.001))) for step in (1, 2, 3, 4)]

    # The evaluation curves: every 2nd epoch, as metrics.json records them.
    validation = read_events(tb / "validation")
    recorded = json.loads((out / "metrics.json").read_text())
    assert [r["epoch"] for r in recorded] == [2, 4]
    for key in ("fid", "kid"):
        assert steps(validation[f"epoch_{key}"]) == [2, 4], key
        assert values(validation[f"epoch_{key}"]) == as_float32(
            [r[f"val_{key}"] for r in recorded]
        )

    # A grid per epoch: 64 images, 8 x 8, grayscale, the PNG's pixels unscaled.
    images = train["generated_images"]
    assert steps(images) == [1, 2, 3, 4]
    last = images[-1][1]
    assert last.shape[:2] == (grid_side(8), grid_side(8))
    png = np.asarray(Image.open(out / "samples" / "epoch_0004.png"))
    np.testing.assert_array_equal(
        last.reshape(png[::SCALE, ::SCALE].shape), png[::SCALE, ::SCALE]
    )
    assert not np.array_equal(images[0][1], last)  # the generator trained


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("resume_into", ["same", "other"])
def test_conditional_run_interrupted_then_resumed_continues_the_steps(
    tmp_path, capsys, monkeypatch, resume_into
):
    import keras_gan_layers as kgl

    out, tb = tmp_path / "run", tmp_path / "tb"
    args = ["train", "--out", str(out), "--conditional", *TINY]
    original = kgl.ImageSnapshot.on_epoch_end

    on_disk = []

    def stop_after_first_epoch(self, epoch, logs=None):
        # The epoch's scalars are on disk as soon as the TensorBoard callback
        # (before this one) is done, its writer still open: a run killed
        # later keeps them.
        on_disk.append(steps(read_events(tb / "train").get("epoch_d_loss", [])))
        original(self, epoch, logs)
        raise KeyboardInterrupt  # after the epoch's backup and summaries

    monkeypatch.setattr(kgl.ImageSnapshot, "on_epoch_end", stop_after_first_epoch)
    assert main([*args, "--epochs", "2", "--tensorboard", str(tb)]) == 130
    assert "interrupted after 1 finished epochs" in capsys.readouterr().err
    assert on_disk == [[1]]
    monkeypatch.setattr(kgl.ImageSnapshot, "on_epoch_end", original)
    resume = ["train", "--out", str(out), "--resume", "--verbose", "0"]
    if resume_into == "same":
        # --tensorboard comes from the run's config.json; its event files
        # there are this run's own, not an error.
        assert main(resume) == 0
        first = 1
    else:  # --resume may change --tensorboard: the steps go on there
        tb = tmp_path / "tb_other"
        assert main([*resume, "--tensorboard", str(tb)]) == 0
        first = 2

    history = json.loads((out / "history.json").read_text())
    train = read_events(tb / "train")
    assert steps(train["epoch_d_loss"]) == [1, 2][first - 1 :]
    assert values(train["epoch_d_loss"]) == as_float32(history["d_loss"][first - 1 :])
    assert values(train["epoch_g_loss"]) == as_float32(history["g_loss"][first - 1 :])
    # One row per digit class, 64 // 10 = 6 columns.
    images = train["generated_images"]
    assert steps(images) == [1, 2][first - 1 :]
    assert images[-1][1].shape[:2] == (grid_side(10), grid_side(6))


@pytest.mark.tensorflow_only
def test_pix2pix_losses_and_translation_grid(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for domain in ("a", "b"):
        (tmp_path / domain).mkdir()
        for i in range(2):
            pixels = rng.integers(0, 256, (SIZE, SIZE), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / domain / f"img_{i}.png")
    out, tb = tmp_path / "run", tmp_path / "tb"
    args = ["train", "--model", "pix2pix", "--grayscale", "--out", str(out)]
    args += ["--data-a", str(tmp_path / "a"), "--data-b", str(tmp_path / "b")]
    args += ["--image-size", "8", "--filters", "4", "--batch-size", "2"]
    args += ["--epochs", "2", "--verbose", "0", "--tensorboard", str(tb)]
    assert main(args) == 0
    history = json.loads((out / "history.json").read_text())
    train = read_events(tb / "train")
    assert "l1_loss" in history
    assert {f"epoch_{key}" for key in history} <= set(train)
    for key in history:
        assert steps(train[f"epoch_{key}"]) == [1, 2], key
        assert values(train[f"epoch_{key}"]) == as_float32(history[key]), key
    # pix2pix's default --lr is 2e-4, for both players.
    for player in ("d", "g"):
        points = train[f"epoch_learning_rate_{player}_optimizer"]
        assert values(points) == as_float32([2e-4] * 2)
    # Rows inputs / translations / targets, one column per image pair.
    images = train["translated_images"]
    assert steps(images) == [1, 2]
    assert images[-1][1].shape[:2] == (grid_side(3), grid_side(2))
    assert not (tb / "validation").exists()  # no evaluation, no val_ logs

    # A second run into the same folder would add its event files beside
    # these (TensorBoard draws both as one line): refused before any work.
    before = sorted(p.name for p in (tb / "train").iterdir())
    args[args.index(str(out))] = str(tmp_path / "run2")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"--tensorboard {str(tb)!r} holds the event files of an earlier run" in err
    assert f"{len(before)} in all" in err
    assert sorted(p.name for p in (tb / "train").iterdir()) == before
    assert not (tmp_path / "run2" / "config.json").exists()


@pytest.mark.tensorflow_only
def test_mirrored_strategy_on_two_devices_writes_every_epoch(tmp_path):
    from tests.cli.test_distribute import ARGS, TF_TWO_DEVICES, run_cli

    out, tb = tmp_path / "run", tmp_path / "tb"
    stdout = run_cli(
        TF_TWO_DEVICES,
        [*ARGS, "--out", str(out), "--tensorboard", str(tb)],
        {"KERAS_BACKEND": "tensorflow"},
    )
    assert "--distribute: MirroredStrategy over 2 devices" in stdout
    history = json.loads((out / "history.json").read_text())
    train = read_events(tb / "train")
    for key in ("d_loss", "g_loss"):
        assert train[f"epoch_{key}"] == [(1, as_float32(history[key])[0])], key
    assert steps(train["generated_images"]) == [1]


def test_missing_tensorboard_is_a_one_line_error_before_training(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # import fails
    out = tmp_path / "run"
    args = ["train", "--out", str(out), "--tensorboard", str(tmp_path / "tb")]
    assert main([*args, *TINY, "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "keras-gan train: error: --tensorboard needs the tensorboard package: "
        'pip install tensorboard (or pip install "keras-gan-layers[tensorboard]")'
    )
    assert not (out / "config.json").exists()  # nothing ran


def test_unwritable_tensorboard_directory(tmp_path, capsys):
    (tmp_path / "file").write_text("in the way")
    args = ["train", "--out", str(tmp_path / "run"), *TINY, "--epochs", "1"]
    assert main([*args, "--tensorboard", str(tmp_path / "file" / "tb")]) == 2
    err = capsys.readouterr().err
    assert "--tensorboard" in err and "is not a writable directory" in err
    assert not (tmp_path / "run" / "config.json").exists()


def test_file_in_place_of_the_tensorboard_directory(tmp_path, capsys):
    (tmp_path / "tb").write_text("in the way")
    args = ["train", "--out", str(tmp_path / "run"), *TINY, "--epochs", "1"]
    assert main([*args, "--tensorboard", str(tmp_path / "tb")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"keras-gan train: error: --tensorboard {str(tmp_path / 'tb')!r} is not "
        "a writable directory (a file of that name exists)"
    )
    assert not (tmp_path / "run" / "config.json").exists()


def test_empty_tensorboard_path(tmp_path, capsys):
    args = ["train", "--out", str(tmp_path / "run"), *TINY, "--epochs", "1"]
    assert main([*args, "--tensorboard", ""]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "keras-gan train: error: --tensorboard needs a folder path (e.g. "
        "--tensorboard logs/run1), got ''"
    )
    assert not (tmp_path / "run" / "config.json").exists()


@pytest.mark.parametrize("inside", ["backup", "backup/tb"])
def test_tensorboard_inside_the_backup_folder(tmp_path, capsys, inside):
    # BackupAndRestore deletes --out/backup when the run ends; created
    # here, it would also make --out look like an interrupted run.
    out = tmp_path / "run"
    args = ["train", "--out", str(out), *TINY, "--epochs", "1"]
    assert main([*args, "--tensorboard", str(out / inside)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"keras-gan train: error: --tensorboard {str(out / inside)!r} is inside "
        f"{str(out / 'backup')!r}, the backup that is deleted when the run "
        f"finishes: choose a folder outside it, e.g. {str(out / 'tensorboard')!r}"
    )
    assert not (out / "backup").exists() and not (out / "config.json").exists()


@pytest.mark.parametrize("run", ["train", "validation"])
def test_earlier_event_files_are_refused(tmp_path, capsys, run):
    tb = tmp_path / "tb"
    (tb / run).mkdir(parents=True)
    (tb / run / "events.out.tfevents.1.host.1.0.v2").write_bytes(b"")
    (tb / "train" / "notes.txt").parent.mkdir(exist_ok=True)
    (tb / "train" / "notes.txt").write_text("not an event file")
    args = ["train", "--out", str(tmp_path / "run"), *TINY, "--epochs", "1"]
    assert main([*args, "--tensorboard", str(tb)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"keras-gan train: error: --tensorboard {str(tb)!r} holds the event "
        f"files of an earlier run ({tb / run / 'events.out.tfevents.1.host.1.0.v2'}"
        f", 1 in all); TensorBoard would draw both runs as one: choose a new "
        f"folder (e.g. {str(tb / 'run2')!r}) or delete them (--resume continues "
        "a run in its own folder)"
    )
    assert not (tmp_path / "run" / "config.json").exists()


def interrupted_run(out, tb, monkeypatch, capsys):
    """A `keras-gan train --tensorboard tb` run stopped after its first epoch
    (of 2), with its backup in `out`: something for --resume."""
    import keras_gan_layers as kgl

    original = kgl.ImageSnapshot.on_epoch_end

    def stop(self, epoch, logs=None):
        original(self, epoch, logs)
        raise KeyboardInterrupt  # after the epoch's backup and summaries

    monkeypatch.setattr(kgl.ImageSnapshot, "on_epoch_end", stop)
    args = ["train", "--out", str(out), *TINY, "--epochs", "2"]
    assert main([*args, "--tensorboard", str(tb)]) == 130
    monkeypatch.setattr(kgl.ImageSnapshot, "on_epoch_end", original)
    capsys.readouterr()


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_resume_into_the_folder_of_another_run_is_refused(
    tmp_path, capsys, monkeypatch
):
    # Two interrupted runs, each with its own folder of summaries.
    out_a, tb_a = tmp_path / "a", tmp_path / "tb_a"
    out_b, tb_b = tmp_path / "b", tmp_path / "tb_b"
    interrupted_run(out_a, tb_a, monkeypatch, capsys)
    interrupted_run(out_b, tb_b, monkeypatch, capsys)
    events = sorted(str(p) for p in (tb_a / "train").iterdir())
    before = listing(tb_a), listing(out_b)
    resume_b = ["train", "--out", str(out_b), "--resume", "--verbose", "0"]

    # Run b resumed into run a's folder: a's marker names a.
    assert main([*resume_b, "--tensorboard", str(tb_a)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"keras-gan train: error: --tensorboard {str(tb_a)!r} holds the event "
        f"files of the run in {str(out_a)!r} ({events[0]}, {len(events)} in all), "
        "not of the "
        f"run in {str(out_b)!r} that --resume continues; TensorBoard would "
        "draw both runs as one: resume into the folder this run wrote to, or "
        f"a new one (e.g. {str(tb_a / 'run2')!r})"
    )
    assert (listing(tb_a), listing(out_b)) == before  # nothing written

    # A folder of event files with no marker (another tool's, or a run
    # from before the marker) is not b's either: config.json names tb_b.
    (tb_a / "keras-gan-run.json").unlink()
    assert main([*resume_b, "--tensorboard", str(tb_a)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"holds the event files of another run ({events[0]}, " in err

    # Without a marker, the folder config.json names is b's own: resumed.
    (tb_b / "keras-gan-run.json").unlink()
    assert main(resume_b) == 0
    history = json.loads((out_b / "history.json").read_text())
    train = read_events(tb_b / "train")
    assert steps(train["epoch_d_loss"]) == [1, 2]
    assert values(train["epoch_d_loss"]) == as_float32(history["d_loss"])
    marker = json.loads((tb_b / "keras-gan-run.json").read_text())
    assert marker == {"out": str(out_b.resolve())}


def test_marker_is_written_when_training_starts(tmp_path, capsys, monkeypatch):
    # An error after the arguments are checked (here: loading the data)
    # leaves no marker naming a run that never wrote there.
    from keras_gan_layers.cli import train
    from keras_gan_layers.cli.common import UsageError

    def fail(args):
        raise UsageError("could not load the data")

    monkeypatch.setattr(train, "load_data", fail)
    tb = tmp_path / "tb"
    args = ["train", "--out", str(tmp_path / "run"), *TINY, "--epochs", "1"]
    assert main([*args, "--tensorboard", str(tb)]) == 2
    assert "could not load the data" in capsys.readouterr().err
    assert not (tb / "keras-gan-run.json").exists()


@pytest.mark.parametrize(
    "marker, own",
    [
        ({"out": "run"}, True),  # relative to the working directory
        ({"out": "run/"}, True),
        ({"out": "other"}, False),
        ({"out": None}, False),  # unreadable: config.json decides (tb2)
        ({"out": 5}, False),
        ("not json", False),
    ],
)
def test_marker_names_the_run_by_its_real_path(tmp_path, monkeypatch, marker, own):
    from keras_gan_layers.cli.train import RUN_MARKER, _own_folder

    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.json").write_text(json.dumps({"tensorboard": "tb2"}))
    (tmp_path / "tb").mkdir()
    text = marker if isinstance(marker, str) else json.dumps(marker)
    (tmp_path / "tb" / RUN_MARKER).write_text(text)
    assert _own_folder("tb", str(tmp_path / "run")) is own
    assert _own_folder(str(tmp_path / "tb"), "run") is own
