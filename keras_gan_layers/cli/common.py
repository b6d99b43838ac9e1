"""Shared pieces of the `keras-gan` subcommands."""

import argparse
import os
import sys


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, exit status 2."""

    def error(self, message):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive_float(text):
    value = non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be > 0, got 0")
    return value


def writable_directory(path):
    """Create `path` if needed and prove it is writable, or raise UsageError."""
    from keras_gan_layers.utils.files import make_writable_directory

    try:
        make_writable_directory(path)
    except OSError as e:
        raise UsageError(
            f"output directory {path!r} is not writable ({e.strerror or e})"
        ) from None
    return path


def writable_file(path):
    parent = os.path.dirname(os.path.abspath(path))
    writable_directory(parent)
    return path


#: Datasets the subcommands accept by name.
DATASETS = ("digits", "mnist", "fashion_mnist", "cifar10")


def check_dataset(name):
    if name not in DATASETS:
        raise UsageError(
            f"unknown dataset {name!r}; valid datasets: {', '.join(DATASETS)}"
        )


def load_keras_model(path):
    """`keras.saving.load_model(path)` in safe mode, or a one-line UsageError."""
    if not os.path.isfile(path):
        raise UsageError(f"model file {path!r} does not exist")
    import keras

    import keras_gan_layers  # noqa: F401 - registers the classes

    try:
        # Safe mode (the default, explicit here): a file cannot run Python
        # code (lambdas) or name classes outside Keras and registered ones.
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:
        raise UsageError(
            f"could not load {path!r} as a Keras model ({type(e).__name__}: "
            f"{short_message(e)})"
        ) from None
    return model


def load_generator(path):
    """Load a saved generator or GAN; return `(model, generator)`.

    For a saved model with a generator EMA, `generator` is the EMA copy (what
    `generate` samples from).
    """
    model = load_keras_model(path)
    generator = getattr(model, "sampling_generator", None)
    generator = generator or getattr(model, "generator", model)
    check_image_generator(path, model, generator)
    return model, generator


def short_message(error, limit=300):
    """The first line of `error`'s message, at most `limit` characters."""
    text = (str(error).strip().splitlines() or [""])[0]
    text = text.split(" Full object config:")[0]  # Keras appends whole configs
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_image_generator(path, model, generator):
    """Raise UsageError unless `generator` maps latents (and labels) to images."""
    inputs = getattr(generator, "inputs", None) or []
    outputs = getattr(generator, "outputs", None) or []
    shape = tuple(outputs[0].shape) if len(outputs) == 1 else None
    if (
        len(inputs) in (1, 2)
        and shape is not None
        and len(shape) == 4
        and shape[-1] in (1, 3)
    ):
        return
    found = (
        f"a {type(model).__name__} with {len(outputs)} output(s)"
        if shape is None
        else f"a {type(model).__name__} with output shape {shape_text(shape)}"
    )
    raise UsageError(
        f"{path!r} does not hold a generator of images: keras-gan needs a "
        "gan.keras or generator.keras whose generator maps latent vectors "
        "(and labels) to images of shape (None, height, width, 1 or 3); "
        f"found {found}"
    )


def shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def line_plot(path, series, xlabel, ylabel, size=(7, 4)):
    """Write a PNG of `series`: a list of `(label, xs, ys, style)`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size)
    for label, xs, ys, style in series:
        ax.plot(xs, ys, style, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def add_data_arguments(parser, data_dir_help):
    """`--dataset` and `--data-dir`, shared by the subcommands that read images."""
    parser.add_argument(
        "--dataset",
        default="digits",
        help=f"one of: {', '.join(DATASETS)} (default: digits)",
    )
    parser.add_argument("--data-dir", default=None, help=data_dir_help)
