"""`keras-gan train`: train a DCGAN, CycleGAN or pix2pix model and write everything out."""

import argparse
import json
import os
import signal
import sys
import time

from keras_gan_layers.cli.common import (
    DATASETS,
    UsageError,
    add_data_arguments,
    line_plot,
    non_negative_float,
    positive_float,
    positive_int,
    writable_directory,
)

PENALTIES = ("none", "gp", "r1", "r2", "dragan")
CONDITIONING = ("concatenation", "projection", "auxiliary_classifier")
MODELS = ("dcgan", "cyclegan", "pix2pix")
TRANSLATION_MODELS = ("cyclegan", "pix2pix")

#: Values of the options whose parser default is None, per `--model`: the
#: DCGAN recipe, and the CycleGAN and pix2pix papers' (least squares or BCE
#: loss, Adam(2e-4, beta_1=0.5), one image per batch).
MODEL_DEFAULTS = {
    "dcgan": {"loss": "bce", "lr": 5e-4, "batch_size": 64, "ema_decay": 0.99},
    "cyclegan": {"loss": "lsgan", "lr": 2e-4, "batch_size": 1},
    "pix2pix": {"loss": "bce", "lr": 2e-4, "batch_size": 1},
}

#: Images of each domain in the translation models' sample grids.
SNAPSHOT_IMAGES = 8


def add_parser(subparsers, name):
    p = subparsers.add_parser(
        name,
        help="train a DCGAN (default: the bundled digits at 16x16, about two "
        "minutes on 2 CPU cores), or a CycleGAN or pix2pix model on two image folders",
    )
    p.add_argument(
        "--model",
        default="dcgan",
        help="dcgan (default: --dataset or --data-dir), cyclegan (unpaired "
        "--data-a and --data-b folders) or pix2pix (paired folders: the "
        "files of --data-a and --data-b matched in sorted order)",
    )
    add_data_arguments(p, "train on the images in this folder instead of --dataset")
    p.add_argument(
        "--data-a",
        default=None,
        help="cyclegan and pix2pix: folder of domain A images (the inputs)",
    )
    p.add_argument(
        "--data-b",
        default=None,
        help="cyclegan and pix2pix: folder of domain B images (the targets)",
    )
    p.add_argument(
        "--image-size",
        type=positive_int,
        default=None,
        help="image height and width, divisible by 4 (default: 16 for digits, "
        "64 for --data-dir and --data-a/--data-b, native otherwise)",
    )
    p.add_argument(
        "--grayscale",
        action="store_true",
        help="read --data-dir (or --data-a/--data-b) images as grayscale",
    )
    p.add_argument(
        "--loss",
        default=None,
        help="adversarial loss: bce, minimax, lsgan, wgan, hinge, ragan (default: "
        "lsgan for cyclegan, bce otherwise)",
    )
    p.add_argument(
        "--penalty",
        default="none",
        help=f"discriminator penalty: {', '.join(PENALTIES)} (default: none)",
    )
    p.add_argument(
        "--penalty-weight",
        type=non_negative_float,
        default=None,
        help="penalty weight (gamma for r1/r2); default: the penalty's own (10)",
    )
    p.add_argument(
        "--d-steps",
        type=positive_int,
        default=1,
        help="discriminator updates per generator update",
    )
    p.add_argument(
        "--conditional",
        action="store_true",
        help="train a ConditionalGAN on the dataset's labels (--dataset only); "
        "sample grids get one row per class",
    )
    p.add_argument(
        "--conditioning",
        # Measured on the digits, 20 epochs, --eval-every 5: concatenation
        # reached FID 6.5 and 95% class accuracy; projection (conditional
        # batch norm in G) FID 35.9 and 19% (its rows ignored the label).
        default="concatenation",
        help=f"with --conditional: {', '.join(CONDITIONING)} (default: concatenation)",
    )
    p.add_argument(
        "--ema-decay",
        type=float,
        default=None,
        help="dcgan: exponential moving average of the generator; samples and "
        "generator.keras come from it (default: 0.99; 0 disables it)",
    )
    p.add_argument("--epochs", type=positive_int, default=40)
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help="default: 64 for dcgan, 1 for cyclegan and pix2pix (the papers')",
    )
    p.add_argument("--latent-dim", type=positive_int, default=64)
    p.add_argument(
        "--filters",
        type=positive_int,
        default=32,
        help="width of the networks (default: 32)",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help="Adam learning rate of both players (beta_1 0.5; default: 5e-4 "
        "for dcgan, 2e-4 for cyclegan and pix2pix)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--snapshot-every",
        type=positive_int,
        default=1,
        help="write a sample grid every N epochs",
    )
    p.add_argument(
        "--eval-every",
        type=positive_int,
        default=None,
        help="compute KID and FID every N epochs and plot them (digits: the "
        "bundled classifier, offline; otherwise Inception-v3)",
    )
    p.add_argument(
        "--eval-samples",
        type=positive_int,
        default=1000,
        help="generated samples per evaluation (default: 1000)",
    )
    p.add_argument(
        "--tensorboard",
        default=None,
        metavar="DIR",
        help="write TensorBoard summaries to DIR: every epoch's logs and both "
        "learning rates (DIR/train), KID/FID of --eval-every (DIR/validation) "
        "and the sample grids; view with tensorboard --logdir DIR (needs pip "
        "install tensorboard). A new run needs a DIR without event files of "
        "an earlier one; --resume continues its own (DIR/keras-gan-run.json "
        "names the run writing there)",
    )
    p.add_argument(
        "--out",
        default="keras_gan_output",
        help="output directory (default: ./keras_gan_output)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --out (killed, Ctrl-C, SIGTERM) "
        "from its last finished epoch, with the arguments it was started with "
        "(--epochs, --verbose and --tensorboard may change)",
    )
    p.add_argument(
        "--distribute",
        action="store_true",
        help="train on every device: tf.distribute.MirroredStrategy over the "
        "local devices (TensorFlow) or keras.distribution.DataParallel over "
        "all devices of all processes (JAX; several hosts: see "
        "docs/scaling.md); --batch-size is the global batch",
    )
    p.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=None,
        help="Keras fit verbosity (default: progress bar on a terminal, one line per epoch otherwise)",
    )
    return p


#: Arguments `--resume` may change; the others come from the run's config.json.
RESUME_MAY_CHANGE = ("epochs", "verbose", "tensorboard")


def backup_dir(out):
    return os.path.join(out, "backup")


def resume_arguments(args, parser):
    """`args` with the interrupted run's arguments, or raise UsageError.

    The run's `config.json` gives every argument except `--out` (where the
    run is now; it may have been moved) and those in `RESUME_MAY_CHANGE`;
    one given on this command line with another value is an error (the
    backup holds a run of the other configuration). Saved values pass the
    parser's own type checks, and `--epochs` must exceed the epochs the
    backup has finished.
    """
    backup = os.path.join(backup_dir(args.out), "latest.weights.h5")
    config_path = os.path.join(args.out, "config.json")
    if not os.path.exists(backup):
        raise UsageError(
            f"nothing to resume in {args.out!r}: no backup/latest.weights.h5 "
            "(the run finished, or never finished an epoch)"
        )
    if not os.path.exists(config_path):
        raise UsageError(
            f"{args.out!r} has a backup but no config.json, which holds the "
            "run's arguments: restore it, or delete the backup folder to "
            "start over"
        )
    try:
        import h5py

        with h5py.File(backup, "r"):
            pass
        with open(config_path) as f:
            saved = json.load(f)
        metadata_path = os.path.join(backup_dir(args.out), "training_metadata.json")
        with open(metadata_path) as f:
            finished = int(json.load(f)["epoch"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UsageError(
            f"cannot resume the run in {args.out!r}: its backup or config.json "
            f"is unreadable ({e}); delete {backup_dir(args.out)!r} to start over"
        ) from None
    defaults = vars(parser.parse_args([]))
    types = {a.dest: a.type for a in parser._actions if a.type is not None}
    conflicts = []
    for key, value in vars(args).items():
        if key not in saved or key in ("command", "resume", "out"):
            continue
        if key in types and saved[key] is not None:
            try:
                saved[key] = types[key](str(saved[key]))
            except (ValueError, TypeError, argparse.ArgumentTypeError) as e:
                raise UsageError(
                    f"{config_path} holds {key}={saved[key]!r}, which --"
                    f"{key.replace('_', '-')} does not accept ({e})"
                ) from None
        if key in RESUME_MAY_CHANGE:
            if value == defaults.get(key):  # not given: the run's own
                setattr(args, key, saved[key])
            continue
        if value != defaults.get(key) and value != saved[key]:
            conflicts.append(f"--{key.replace('_', '-')} {value} (run: {saved[key]})")
        setattr(args, key, saved[key])
    if conflicts:
        raise UsageError(
            "--resume continues the run with its own arguments; these differ: "
            + ", ".join(conflicts)
        )
    if args.epochs <= finished:
        raise UsageError(
            f"the run in {args.out!r} has finished {finished} epochs; pass "
            f"--epochs above {finished} to train on"
        )
    return args


def validate_model(args):
    """Check `--model` and the options that go (or not) with it; fill defaults."""
    if args.model not in MODELS:
        raise UsageError(
            f"unknown model {args.model!r}; valid models: {', '.join(MODELS)}"
        )
    folders = [
        flag
        for flag, value in (("--data-a", args.data_a), ("--data-b", args.data_b))
        if value is not None
    ]
    if args.model not in TRANSLATION_MODELS:
        if folders:
            raise UsageError(
                f"{' and '.join(folders)}: for --model cyclegan or pix2pix (two "
                "image folders); --model dcgan reads --dataset or --data-dir"
            )
    else:
        missing = [flag for flag in ("--data-a", "--data-b") if flag not in folders]
        if missing:
            raise UsageError(
                f"--model {args.model} needs --data-a DIR and --data-b DIR "
                f"(missing: {', '.join(missing)})"
            )
        if args.data_dir is not None or args.dataset != "digits":
            raise UsageError(
                f"--model {args.model} reads --data-a and --data-b; --dataset and "
                "--data-dir go with --model dcgan"
            )
        for flag, given in (
            ("--conditional", args.conditional),
            ("--ema-decay", args.ema_decay is not None),
            ("--eval-every", args.eval_every is not None),
        ):
            if given:
                raise UsageError(
                    f"{flag} goes with --model dcgan only, not --model {args.model}"
                )
        if args.image_size is not None and args.image_size < 8:
            raise UsageError(
                f"--model {args.model} needs --image-size 8 or more, got "
                f"{args.image_size}"
            )
    for key, value in MODEL_DEFAULTS[args.model].items():
        if getattr(args, key) is None:
            setattr(args, key, value)


def validate(args):
    """Check every argument before anything is loaded or trained."""
    from keras_gan_layers import losses
    from keras_gan_layers.datasets.directory import (
        check_image_directory,
        count_images,
    )

    validate_model(args)
    if getattr(args, "distribute", False):
        import keras

        if keras.backend.backend() not in ("tensorflow", "jax"):
            raise UsageError(
                f"--distribute needs the TensorFlow or JAX backend (MirroredStrategy "
                f"or DataParallel); this is {keras.backend.backend()!r}: set "
                "KERAS_BACKEND=tensorflow or jax"
            )
    if args.data_dir is None and args.dataset not in DATASETS:
        raise UsageError(
            f"unknown dataset {args.dataset!r}; valid datasets: {', '.join(DATASETS)} (or --data-dir PATH)"
        )
    if args.data_dir is not None:
        try:
            check_image_directory(args.data_dir)
        except ValueError as e:
            raise UsageError(str(e)) from None
    for flag, path in (("--data-a", args.data_a), ("--data-b", args.data_b)):
        if path is not None:
            try:
                check_image_directory(path)
            except ValueError as e:
                raise UsageError(f"{flag}: {e}") from None
    if args.model == "pix2pix":
        n_a, n_b = count_images(args.data_a), count_images(args.data_b)
        if n_a != n_b:
            raise UsageError(
                "--model pix2pix pairs the files of --data-a and --data-b in "
                f"sorted order, so their counts must agree; --data-a has {n_a} "
                f"images, --data-b {n_b}"
            )
    if args.loss.lower() not in losses.ALIASES:
        raise UsageError(
            f"unknown loss {args.loss!r}; valid losses: {', '.join(sorted(losses.ALIASES))}"
        )
    if args.penalty not in PENALTIES:
        raise UsageError(
            f"unknown penalty {args.penalty!r}; valid penalties: {', '.join(PENALTIES)}"
        )
    if args.conditional and args.data_dir is not None:
        raise UsageError(
            "--conditional needs labels: use --dataset (digits, mnist, "
            "fashion_mnist, cifar10); image folders carry none"
        )
    if args.conditioning not in CONDITIONING:
        raise UsageError(
            f"unknown conditioning {args.conditioning!r}; valid: {', '.join(CONDITIONING)}"
        )
    if args.ema_decay is not None and not 0.0 <= args.ema_decay < 1.0:
        raise UsageError(f"--ema-decay must be in [0, 1), got {args.ema_decay}")
    if args.image_size is not None and args.image_size % 4:
        raise UsageError(f"--image-size must be divisible by 4, got {args.image_size}")
    writable_directory(args.out)
    if not args.resume and os.path.exists(backup_dir(args.out)):
        raise UsageError(
            f"{args.out!r} holds an interrupted run ({backup_dir(args.out)}): "
            "pass --resume to continue it, or choose another --out"
        )
    if args.tensorboard is not None:
        check_tensorboard(args.tensorboard, args.out, args.resume)


def _inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


#: The file in a `--tensorboard` folder that names the run writing there.
RUN_MARKER = "keras-gan-run.json"


def check_tensorboard(directory, out, resume=False):
    """Raise UsageError unless TensorBoard summaries can go to `directory`.

    Checked before anything is created: a path (not ''), not inside the
    backup folder of `out` (`BackupAndRestore` deletes it, summaries and
    all, when the run finishes), and no event files of another run in
    `directory/train` or `directory/validation` (Keras adds a new event
    file beside them, and TensorBoard draws both runs as one line, steps
    1, 2, ... twice). A resumed run may continue its own: those of a
    folder whose `RUN_MARKER` names `out`, or, with no marker (a run from
    before it), of the folder its config.json names. Then the folder is
    created and written to (`mark_tensorboard` marks it when training
    starts).
    """
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise UsageError(
            "--tensorboard needs the tensorboard package: pip install "
            'tensorboard (or pip install "keras-gan-layers[tensorboard]")'
        ) from None
    if not directory:
        raise UsageError(
            "--tensorboard needs a folder path (e.g. --tensorboard logs/run1), got ''"
        )
    if _inside(directory, backup_dir(out)):
        raise UsageError(
            f"--tensorboard {directory!r} is inside {backup_dir(out)!r}, the "
            "backup that is deleted when the run finishes: choose a folder "
            f"outside it, e.g. {os.path.join(out, 'tensorboard')!r}"
        )
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise UsageError(
            f"--tensorboard {directory!r} is not a writable directory (a file "
            "of that name exists)"
        )
    earlier = sorted(
        os.path.join(directory, run, name)
        for run in ("train", "validation")
        if os.path.isdir(os.path.join(directory, run))
        for name in os.listdir(os.path.join(directory, run))
        if name.startswith("events.out.tfevents.")
    )
    if earlier and not resume:
        raise UsageError(
            f"--tensorboard {directory!r} holds the event files of an "
            f"earlier run ({earlier[0]}, {len(earlier)} in all); TensorBoard "
            "would draw both runs as one: choose a new folder (e.g. "
            f"{os.path.join(directory, 'run2')!r}) or delete them (--resume "
            "continues a run in its own folder)"
        )
    if earlier and not _own_folder(directory, out):
        marked = _marked_run(directory)
        whose = "another run" if marked is None else f"the run in {marked!r}"
        raise UsageError(
            f"--tensorboard {directory!r} holds the event files of {whose} "
            f"({earlier[0]}, {len(earlier)} in all), not of the run in {out!r} "
            "that --resume continues; TensorBoard would draw both runs as "
            "one: resume into the folder this run wrote to, or a new one "
            f"(e.g. {os.path.join(directory, 'run2')!r})"
        )
    from keras_gan_layers.utils.files import make_writable_directory

    try:
        make_writable_directory(directory)
    except OSError as e:
        raise UsageError(
            f"--tensorboard {directory!r} is not a writable directory "
            f"({e.strerror or e})"
        ) from None


def mark_tensorboard(directory, out):
    """Name the run in `out` as the writer of `directory` (`RUN_MARKER`)."""
    with open(os.path.join(directory, RUN_MARKER), "w") as f:
        json.dump({"out": os.path.realpath(out)}, f)


def _own_folder(directory, out):
    """Whether `directory`'s event files are those of the run in `out`."""
    marked = _marked_run(directory)
    if marked is not None:
        return marked == os.path.realpath(out)
    try:  # a folder from before RUN_MARKER: the one config.json names
        with open(os.path.join(out, "config.json")) as f:
            saved = json.load(f).get("tensorboard")
    except (OSError, ValueError, AttributeError):
        return False
    return isinstance(saved, str) and (
        os.path.realpath(saved) == os.path.realpath(directory)
    )


def _marked_run(directory):
    """The run folder (real path) `RUN_MARKER` in `directory` names, or None."""
    try:
        with open(os.path.join(directory, RUN_MARKER)) as f:
            out = json.load(f)["out"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return os.path.realpath(out) if isinstance(out, str) and out else None


def tensorboard_callback(log_dir):
    """Keras' `TensorBoard` for `keras-gan train --tensorboard`, steps 1-based.

    Every epoch's logs (losses, penalties, scores, `ada_p`) and the
    learning rate of each optimizer (`learning_rate_d_optimizer`,
    `learning_rate_g_optimizer`, the names `build_model` gives them) go to
    `log_dir/train` as `epoch_<name>`; `val_*` logs (`--eval-every`) to
    `log_dir/validation` as `epoch_<name>` without `val_`. The step is the
    1-based epoch, as for `ImageSnapshot`'s image summaries and the
    `samples/epoch_0001.png` files; a resumed run continues it (the epoch
    index `fit` passes on starts where `BackupAndRestore` left off).
    """
    import keras

    class EpochTensorBoard(keras.callbacks.TensorBoard):
        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch + 1, logs)

    return EpochTensorBoard(log_dir, write_graph=False)


def load_data(args):
    from keras_gan_layers import datasets

    if args.data_dir is not None:
        size = args.image_size or 64
        data = datasets.from_directory(
            args.data_dir,
            image_size=size,
            batch_size=args.batch_size,
            color_mode="grayscale" if args.grayscale else "rgb",
            seed=args.seed,
        )
        shape = tuple(data.element_spec.shape[1:])
        return data.prefetch(2), None, shape
    if args.dataset == "digits":
        images, labels = datasets.load_digits(
            image_size=args.image_size or 16, return_labels=True
        )
    else:
        try:
            images, labels = datasets.load(args.dataset, return_labels=True)
        except RuntimeError as e:
            raise UsageError(str(e)) from None
        if args.image_size is not None and args.image_size != images.shape[1]:
            import keras

            images = keras.ops.convert_to_numpy(
                keras.ops.image.resize(
                    images, (args.image_size, args.image_size), antialias=True
                )
            ).clip(-1, 1)
    if images.shape[1] % 4 or images.shape[2] % 4:
        raise UsageError(
            f"image size {images.shape[1:3]} is not divisible by 4; pass --image-size"
        )
    return images, labels, tuple(images.shape[1:])


def load_translation_data(args):
    """`(data, fixed_images, image_shape)` of `--data-a`/`--data-b` (cyclegan, pix2pix).

    `data` is `datasets.unpaired` (cyclegan) or `datasets.paired` (pix2pix,
    files matched in sorted order) at `--image-size` (default 64), read as
    RGB, or grayscale with `--grayscale`; `fixed_images` the first
    `SNAPSHOT_IMAGES` of each domain (in sorted order) for `ImageSnapshot`.
    """
    import numpy as np

    from keras_gan_layers import datasets
    from keras_gan_layers.datasets.directory import count_images

    size = args.image_size or 64
    make = datasets.paired if args.model == "pix2pix" else datasets.unpaired
    num_fixed = min(
        SNAPSHOT_IMAGES, count_images(args.data_a), count_images(args.data_b)
    )
    try:
        data = make(
            args.data_a,
            args.data_b,
            batch_size=args.batch_size,
            image_size=size,
            seed=args.seed,
        )
        first = make(
            args.data_a,
            args.data_b,
            batch_size=num_fixed,
            image_size=size,
            shuffle=False,
        )
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.grayscale:
        import tensorflow as tf

        def grayscale(a, b):
            return tf.image.rgb_to_grayscale(a), tf.image.rgb_to_grayscale(b)

        data, first = data.map(grayscale), first.map(grayscale)
    a, b = (np.asarray(x) for x in next(iter(first)))
    return data, (a, b), tuple(a.shape[1:])


def build_translation_model(args, image_shape):
    """The CycleGAN or Pix2Pix of `args`, its networks sized by `--filters`.

    CycleGAN: `resnet_translator` generators (9 residual blocks from 256x256
    up and 6 below, as in the paper, down to 64x64; 3 for smaller images,
    whose bottleneck is 16x16 or less) and `patchgan_discriminator`s with
    instance normalization. pix2pix: a `unet_translator` (filters capped at
    8 x `--filters`, the paper's 512 for 64) and a conditional
    `patchgan_discriminator` with batch normalization. The PatchGAN has
    the papers' 3 stride-2 layers (70x70 patches) from 24x24 images up, 2
    from 12x12, 1 below.
    """
    import keras_gan_layers as kgl

    arch = kgl.architectures
    size = image_shape[0]
    num_layers = 3 if size >= 24 else 2 if size >= 12 else 1
    if args.model == "cyclegan":
        blocks = 9 if size >= 256 else 6 if size >= 64 else 3

        def translator(name):
            return arch.resnet_translator(
                image_shape, filters=args.filters, num_blocks=blocks, name=name
            )

        def critic(name):
            return arch.patchgan_discriminator(
                image_shape, filters=args.filters, num_layers=num_layers, name=name
            )

        return kgl.CycleGAN(
            translator("generator_ab"),
            translator("generator_ba"),
            critic("discriminator_a"),
            critic("discriminator_b"),
            seed=args.seed,
        )
    generator = arch.unet_translator(
        image_shape, filters=args.filters, max_filters=8 * args.filters
    )
    discriminator = arch.patchgan_discriminator(
        image_shape,
        condition_shape=image_shape,
        filters=args.filters,
        num_layers=num_layers,
        normalization="batch",
    )
    return kgl.Pix2Pix(generator, discriminator, seed=args.seed)


def load_real_images(args, image_shape, limit=10000):
    """Real images as a numpy array at `image_shape` (for evaluation)."""
    import keras
    import numpy as np

    from keras_gan_layers import datasets

    height, width, channels = image_shape
    if args.data_dir is not None:
        try:
            data = datasets.from_directory(
                args.data_dir,
                image_size=(height, width),
                color_mode="grayscale" if channels == 1 else "rgb",
                shuffle=False,
            )
        except ValueError as e:
            raise UsageError(str(e)) from None
        batches, count = [], 0
        for batch in data:
            batches.append(np.asarray(batch))
            count += len(batches[-1])
            if count >= limit:
                break
        return np.concatenate(batches)[:limit]
    if args.dataset == "digits":
        return datasets.load_digits(image_size=(height, width))[:limit]
    try:
        images = datasets.load(args.dataset)[:limit]
    except RuntimeError as e:
        raise UsageError(str(e)) from None
    if images.shape[1:3] != (height, width):
        images = keras.ops.convert_to_numpy(
            keras.ops.image.resize(images, (height, width), antialias=True)
        ).clip(-1, 1)
    return images


def make_penalties(args):
    from keras_gan_layers import penalties

    if args.penalty == "none":
        return []
    cls = penalties.ALIASES[args.penalty]
    if args.penalty_weight is None:
        return [cls()]
    if args.penalty in ("r1", "r2"):
        return [cls(gamma=args.penalty_weight)]
    return [cls(weight=args.penalty_weight)]


def plot_metrics(history, path):
    keys = [k for k in ("val_kid", "val_fid") if k in history]
    series = [
        (k[len("val_") :].upper(), range(1, len(history[k]) + 1), history[k], "o-")
        for k in keys
    ]
    line_plot(path, series, "evaluation", "lower is better")


def plot_history(history, path):
    series = [
        (key, range(1, len(values) + 1), values, "-")
        for key, values in history.items()
        if key not in ("loss", "real_score", "fake_score")
        and not key.startswith("val_")
    ]
    line_plot(path, series, "epoch", "loss (epoch mean)")


def save_translation_model(model, out):
    """Write `model.keras` and the generators users ship; return the file names."""
    if hasattr(model, "generator_ab"):
        generators = {
            "generator_ab.keras": model.generator_ab,
            "generator_ba.keras": model.generator_ba,
        }
    else:
        generators = {"generator.keras": model.generator}
    for name, generator in generators.items():
        generator.save(os.path.join(out, name))
    model.save(os.path.join(out, "model.keras"))
    return ["model.keras", *generators]


def _train_parser():
    return add_parser(argparse.ArgumentParser().add_subparsers(), "train")


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def epoch_log(path):
    """A callback appending each finished epoch's logs to `path` (JSON lines)."""
    import keras

    def write(epoch, logs=None):
        with open(path, "a") as f:
            f.write(
                json.dumps(
                    {"epoch": epoch, **{k: float(v) for k, v in (logs or {}).items()}}
                )
                + "\n"
            )

    return keras.callbacks.LambdaCallback(on_epoch_end=write)


def read_history(path):
    """The logs `epoch_log` wrote, as `History.history` holds them.

    A key logged on some epochs only (evaluations every N epochs) has one
    value per epoch that logged it. A repeated epoch (a run killed after
    writing it but before its backup) keeps its last record.
    """
    if not os.path.exists(path):
        return {}
    records = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                records[record.pop("epoch")] = record
    history = {}
    for epoch in sorted(records):
        for key, value in records[epoch].items():
            history.setdefault(key, []).append(value)
    return history


def build_model(args, image_shape, labels):
    """The compiled model `keras-gan train` trains."""
    import keras

    import keras_gan_layers as kgl

    if args.model in TRANSLATION_MODELS:
        gan = build_translation_model(args, image_shape)
    elif args.conditional:
        num_classes = int(labels.max()) + 1
        generator = kgl.architectures.conditional_dcgan_generator(
            args.latent_dim,
            num_classes,
            image_shape,
            filters=args.filters,
            conditioning=(
                "batch_norm" if args.conditioning == "projection" else "concatenation"
            ),
        )
        discriminator = kgl.architectures.conditional_dcgan_discriminator(
            image_shape,
            num_classes,
            filters=args.filters,
            conditioning=args.conditioning,
        )
        gan = kgl.ConditionalGAN(
            generator,
            discriminator,
            num_classes=num_classes,
            seed=args.seed,
            ema_decay=args.ema_decay or None,
        )
    else:
        generator = kgl.architectures.dcgan_generator(
            args.latent_dim, image_shape, filters=args.filters
        )
        discriminator = kgl.architectures.dcgan_discriminator(
            image_shape, filters=args.filters
        )
        gan = kgl.GAN(
            generator, discriminator, seed=args.seed, ema_decay=args.ema_decay or None
        )
    gan.compile(
        # Named so that TensorBoard's learning-rate tags say which is which.
        d_optimizer=keras.optimizers.Adam(args.lr, beta_1=0.5, name="d_optimizer"),
        g_optimizer=keras.optimizers.Adam(args.lr, beta_1=0.5, name="g_optimizer"),
        loss=args.loss,
        penalties=make_penalties(args),
        d_steps=args.d_steps,
    )
    return gan


def distribution_scope(args):
    """`(scope, description, devices)` for `--distribute` (a null scope without)."""
    import contextlib

    import keras

    if not getattr(args, "distribute", False):
        return contextlib.nullcontext(), None, 1
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy()
        devices = strategy.num_replicas_in_sync
        return strategy.scope(), f"MirroredStrategy over {devices} devices", devices
    if os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES"):
        # Several processes (hosts): join them first (docs/scaling.md).
        keras.distribution.initialize()
    import jax

    devices = jax.devices()
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(
            devices=devices,
            # Several processes: each feeds its own shard (whole_batches).
            auto_shard_dataset=jax.process_count() == 1,
        )
    )
    return (
        contextlib.nullcontext(),
        f"DataParallel over {len(devices)} devices in {jax.process_count()} "
        "process(es)",
        len(devices),
    )


def process_output_directory(out):
    """`out` on the chief; a temporary folder on the other JAX processes.

    Every process of a multi-process run must take part in `save` (Keras
    creates variables while saving, and under a multi-process distribution
    that needs all processes), so the others write to a folder that is
    deleted when they exit.
    """
    import keras

    if keras.backend.backend() != "jax":
        return out
    import jax

    if jax.process_index() == 0:
        return out
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix=f"keras_gan_process_{jax.process_index()}_")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def whole_batches(data, labels, batch_size, devices):
    """Data cut to whole batches, so that every batch splits over the devices."""
    if batch_size % devices:
        raise UsageError(
            f"--distribute splits each batch over {devices} devices: --batch-size "
            f"must be a multiple of {devices}, got {batch_size}"
        )
    processes, index = 1, 0
    import keras

    if keras.backend.backend() == "jax":
        import jax

        processes, index = jax.process_count(), jax.process_index()
    if batch_size % processes:
        raise UsageError(
            f"--distribute over {processes} processes: --batch-size (the global "
            f"batch) must be a multiple of {processes}, got {batch_size}"
        )
    local = batch_size // processes  # each process feeds its share
    if hasattr(data, "element_spec"):  # tf.data, batched
        data = data.unbatch()
        if processes > 1:
            data = data.shard(processes, index)
        return data.batch(local, drop_remainder=True), labels, local
    n = len(data) // batch_size * batch_size
    data, labels = data[:n], None if labels is None else labels[:n]
    if processes > 1:  # process i takes rows i, i + processes, ...
        data = data[index::processes]
        labels = None if labels is None else labels[index::processes]
    return data, labels, local


def run(args):
    if args.resume:
        args = resume_arguments(args, _train_parser())
    validate(args)
    start = time.time()
    import keras
    import numpy as np

    import keras_gan_layers as kgl

    # Before anything runs on JAX: several processes must join first.
    scope, distributed, devices = distribution_scope(args)
    keras.utils.set_random_seed(args.seed)
    translation = args.model in TRANSLATION_MODELS
    fixed_images = None
    if translation:
        data, fixed_images, image_shape = load_translation_data(args)
        labels = None
    else:
        data, labels, image_shape = load_data(args)
    config = {
        **{k: v for k, v in vars(args).items() if k != "command"},
        "image_shape": list(image_shape),
        "keras_backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "keras_gan_layers_version": kgl.__version__,
    }
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)

    local_batch = args.batch_size
    if distributed:
        data, labels, local_batch = whole_batches(
            data, labels, args.batch_size, devices
        )
        print(f"--distribute: {distributed}")
        chief_out = args.out
        args.out = process_output_directory(args.out)
        if args.tensorboard is not None and args.out != chief_out:
            # Not the chief: its summaries go to a folder deleted at exit.
            args.tensorboard = os.path.join(args.out, "tensorboard")
    with scope:
        gan = build_model(args, image_shape, labels)
    scale = max(1, 128 // image_shape[0])
    snapshots = kgl.ImageSnapshot(
        os.path.join(args.out, "samples"),
        every_n_epochs=args.snapshot_every,
        seed=args.seed,
        scale=scale,
        images=fixed_images,
        log_dir=(
            None
            if args.tensorboard is None
            else os.path.join(args.tensorboard, "train")
        ),
    )
    # The backup (end of every epoch) is what --resume continues;
    # history.jsonl keeps the logs of every epoch across interruptions.
    history_lines = os.path.join(args.out, "history.jsonl")
    if not args.resume and os.path.exists(history_lines):
        os.remove(history_lines)
    callbacks = [
        keras.callbacks.BackupAndRestore(backup_dir(args.out)),
        epoch_log(history_lines),
        snapshots,
    ]
    if args.tensorboard is not None:
        # After the evaluation (its val_* logs) and before the snapshots.
        callbacks.insert(-1, tensorboard_callback(args.tensorboard))
    evaluation = None
    if args.eval_every:
        from keras_gan_layers.cli.evaluate import feature_extractor_for

        real = (
            data
            if isinstance(data, np.ndarray)
            else load_real_images(args, image_shape)
        )
        conditional_digits = args.conditional and args.dataset == "digits"
        evaluation = kgl.GANEvaluation(
            (real, labels) if args.conditional and real is data else real,
            # The bundled digit classifier also scores the requested classes.
            metrics=("kid", "fid", "class_accuracy")
            if conditional_digits
            else ("kid", "fid"),
            every_n_epochs=args.eval_every,
            num_samples=min(args.eval_samples, len(real)),
            feature_extractor=feature_extractor_for(
                None if args.data_dir else args.dataset
            ),
            seed=args.seed,
        )
        callbacks.insert(1, evaluation)
    verbose = (
        args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    )
    fit_kwargs = (
        {"shuffle": False}
        if args.data_dir or translation
        else {"batch_size": local_batch, "shuffle": True}
    )
    if args.tensorboard is not None:
        mark_tensorboard(args.tensorboard, args.out)  # everything else is ready
    previous_sigterm = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        gan.fit(
            data,
            labels if args.conditional else None,
            epochs=args.epochs,
            callbacks=callbacks,
            verbose=verbose,
            **fit_kwargs,
        )
        failure = None
    except kgl.NonFiniteLossError as e:
        failure = str(e)
    except KeyboardInterrupt:
        done = read_history(history_lines)
        epochs_done = len(next(iter(done.values()), []))
        print(
            f"keras-gan train: interrupted after {epochs_done} finished epochs; "
            f"the backup in {backup_dir(args.out)} continues it: rerun with "
            f"--out {args.out} --resume",
            file=sys.stderr,
        )
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
    logs = read_history(history_lines)
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(logs, f, indent=2)
    if logs:
        plot_history(logs, os.path.join(args.out, "losses.png"))
    if evaluation is not None and evaluation.results:
        with open(os.path.join(args.out, "metrics.json"), "w") as f:
            json.dump(evaluation.results, f, indent=2)
        plot_metrics(
            {k: [r[k] for r in evaluation.results] for k in ("val_kid", "val_fid")},
            os.path.join(args.out, "metrics.png"),
        )
    if failure:
        print(f"keras-gan train: error: {failure}", file=sys.stderr)
        return 1
    if (args.epochs % args.snapshot_every) != 0:
        snapshots.snapshot(args.epochs - 1)
    if translation:
        models = save_translation_model(gan, args.out)
    else:
        # The generator users ship: the EMA copy when there is one (gan.keras
        # holds both; load it and use .generator for the raw weights).
        gan.sampling_generator.save(os.path.join(args.out, "generator.keras"))
        gan.save(os.path.join(args.out, "gan.keras"))
        models = ["generator.keras", "gan.keras"]
    written = ["samples/epoch_*.png", "losses.png", *models]
    written += ["history.json", "history.jsonl", "config.json"]
    if evaluation is not None and evaluation.results:
        written += ["metrics.json", "metrics.png"]
    print(
        f"trained {args.epochs} epochs in {time.time() - start:.0f} s; wrote to "
        f"{args.out}/: {', '.join(written)}"
    )
    print(f"last sample grid: {snapshots.written[-1]}")
    return 0
