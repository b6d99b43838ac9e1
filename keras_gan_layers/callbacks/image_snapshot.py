"""`ImageSnapshot`: fixed-latent sample grids (or translation grids) written during training."""

import os

import keras
import numpy as np

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.utils.files import make_writable_directory
from keras_gan_layers.utils.image_grid import image_grid, save_image_grid
from keras_gan_layers.utils.sampling import (
    fixed_latents,
    generate_numpy,
    resolve_generator,
)


def check_output_directory(directory, owner="ImageSnapshot"):
    """Raise unless `directory` is, or can be created as, a writable folder.

    Creates nothing: the nearest existing path of `directory` must be a
    folder that this process can write to.
    """
    path = os.path.abspath(directory)
    existing = path
    while not os.path.exists(existing):
        parent = os.path.dirname(existing)
        if parent == existing:
            break
        existing = parent
    problem = None
    if not os.path.isdir(existing):
        problem = f"{existing!r} exists and is not a directory"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"{existing!r} is not writable"
    if problem:
        raise ValueError(
            f"{owner} cannot write to directory={directory!r}: {problem}. Pass "
            "a directory this process can create and write to."
        )


@keras_gan_export()
class ImageSnapshot(keras.callbacks.Callback):
    """Write a grid of generated images every `every_n_epochs` epochs.

    The same latent vectors are used every time (drawn once from `seed`), so
    successive grids show how the same samples evolve. Each snapshot is a PNG
    named `epoch_0001.png` (1-based epoch) in `directory`, and, when
    `log_dir` is given, an image summary for TensorBoard (needs TensorFlow
    installed, whatever the Keras backend).

    Works with any model that has a `generator` attribute (a `GAN`), or with
    the `generator` passed here. A model that keeps a generator EMA
    (`ema_decay`) is drawn from its `ema_generator`. The latent shape is read
    from the model's `latent_shape` or from the generator's input; the latent
    vectors are standard normal unless the model says
    `latent_distribution="uniform"`, and equal `model.generate(num_images,
    seed=seed)`'s.

    For a conditional model (one with `num_classes`, e.g. `ConditionalGAN`)
    the grid has one row per class, `max(1, num_images // num_classes)`
    columns, and the same latent vector down each column, so a row shows
    one class and a column one "style".

    For an image-to-image translator, `images` gives the fixed inputs (the
    first `num_images` are used) and each column follows one image. A model
    with `translate_a_to_b` and `translate_b_to_a` (a `CycleGAN`) gets the
    rows A inputs / A -> B / A -> B -> A, and, when `images` is a pair
    `(a_images, b_images)`, also B inputs / B -> A / B -> A -> B. A model
    with `translate` (a `Pix2Pix`) gets the rows inputs / translations, and
    the targets when `images` is a pair `(a_images, b_images)`. Images are
    drawn through the model's own `translate` methods (inference mode).
    Rows of fewer images, fewer channels (grayscale next to RGB, repeated
    to 3 channels) or smaller images are filled with the background.

    Args:
        directory: Folder for the PNG files (created if missing), or None
            for TensorBoard only.
        every_n_epochs: Snapshot period in epochs.
        num_images: Images per grid.
        seed: Seed of the fixed latent vectors.
        generator: Generator to use instead of `model.generator`.
        log_dir: TensorBoard log directory, or None.
        scale: Integer upscaling of the PNG (nearest neighbour).
        value_range: Output range of the generator, mapped to [0, 255].
        images: Translator models only: the fixed input images, an array
            `(n, height, width, channels)` of A images, or a pair
            `(a_images, b_images)` (a tuple or list of two arrays; for a
            `Pix2Pix`, `b_images` are the targets of `a_images`, as many),
            in the model's data range.

    Raises:
        ValueError: neither `directory` nor `log_dir`; a `directory` that
            cannot be created or written to (checked here, and again when
            training begins); a period, count or scale below 1; `images`
            that are not an array or a pair of arrays of images. When the
            callback is given its model (`fit` begins): a translator without
            `images`, `images` for a model that does not translate, images
            of another shape than the model takes.

    Example:

    ```python
    gan.fit(images, epochs=20,
            callbacks=[ImageSnapshot("samples", every_n_epochs=5)])
    cyclegan.fit(data, epochs=20,
                 callbacks=[ImageSnapshot("samples", images=(a[:8], b[:8]))])
    ```
    """

    def __init__(
        self,
        directory,
        every_n_epochs=1,
        num_images=64,
        seed=1337,
        generator=None,
        log_dir=None,
        scale=1,
        value_range=(-1.0, 1.0),
        images=None,
    ):
        super().__init__()
        if directory is None and log_dir is None:
            raise ValueError("ImageSnapshot needs a directory, a log_dir or both.")
        if directory is not None:
            check_output_directory(directory)
        if int(every_n_epochs) < 1 or int(num_images) < 1 or int(scale) < 1:
            raise ValueError(
                "every_n_epochs, num_images and scale must be >= 1. Received: "
                f"every_n_epochs={every_n_epochs}, num_images={num_images}, "
                f"scale={scale}"
            )
        self.directory = directory
        self.every_n_epochs = int(every_n_epochs)
        self.num_images = int(num_images)
        self.seed = seed
        self.generator = generator
        self.log_dir = log_dir
        self.scale = int(scale)
        self.value_range = tuple(value_range)
        self.fixed_images = _image_arrays(images)
        self.written = []
        self._latents = None
        self._writer = None
        if log_dir is not None:
            try:
                import tensorboard  # noqa: F401
                import tensorflow  # noqa: F401
            except ImportError as e:
                raise ImportError(
                    "ImageSnapshot(log_dir=...) writes TensorBoard summaries, "
                    "which needs TensorFlow and TensorBoard: pip install "
                    '"keras-gan-layers[tensorboard]" (or pip install tensorboard), '
                    f"or pass log_dir=None. ({e})"
                ) from e

    def set_model(self, model):
        super().set_model(model)
        kind = translator_kind(model)
        name = type(model).__name__
        if kind is None:
            if self.fixed_images is not None:
                raise ValueError(
                    "ImageSnapshot(images=...) is for image-to-image translators "
                    "(models with `translate`, such as Pix2Pix, or with "
                    f"`translate_a_to_b`, such as CycleGAN); this {name} has "
                    "neither. Leave images=None to draw from the generator."
                )
            return
        if self.fixed_images is None:
            pair = "(a_images, b_images) or " if kind == "cycle" else ""
            raise ValueError(
                f"ImageSnapshot needs the fixed input images of this {name} "
                f"(an image-to-image translator): pass images={pair}a_images, "
                "e.g. ImageSnapshot(directory, images=a_images[:8])."
            )
        if self.generator is not None:
            raise ValueError(
                f"ImageSnapshot(generator=...) draws latent vectors; this {name} "
                "translates images: leave generator=None and pass images=."
            )
        a, b = self.fixed_images
        for domain, array, shape in (
            ("A", a, getattr(model, "shape_a", None)),
            ("B", b, getattr(model, "shape_b", None)),
        ):
            if array is None or shape is None:
                continue
            if len(shape) != array.ndim - 1 or any(
                d is not None and d != e for d, e in zip(shape, array.shape[1:])
            ):
                raise ValueError(
                    f"ImageSnapshot: the {domain} images have shape "
                    f"{array.shape[1:]} per image, but this {name} takes {domain} "
                    f"images of shape {tuple(shape)}."
                )
        if kind == "one_way" and b is not None and len(b) != len(a):
            raise ValueError(
                f"ImageSnapshot: a {name} gets images=(inputs, targets) of the "
                f"same length. Received: {len(a)} inputs and {len(b)} targets."
            )

    def _generator(self):
        return resolve_generator(self.model, self.generator, "ImageSnapshot")

    def _latent_vectors(self, generator, num):
        if self._latents is None:
            self._latents = fixed_latents(self.model, generator, num, self.seed)
        return self._latents

    def images(self):
        """`(images, columns)` of the grid, generated now in inference mode."""
        kind = translator_kind(self.model)
        if kind is not None:
            return self._translation_rows(kind)
        generator = self._generator()
        num_classes = getattr(self.model, "num_classes", None)
        inputs = getattr(generator, "inputs", None) or [None]
        if num_classes and len(inputs) == 2:
            columns = max(1, self.num_images // num_classes)
            latents = self._latent_vectors(generator, columns)
            labels = np.repeat(np.arange(num_classes, dtype="int32"), columns)
            latents = np.concatenate([latents] * num_classes)
            return generate_numpy(generator, latents, labels=labels), columns
        latents = self._latent_vectors(generator, self.num_images)
        return generate_numpy(generator, latents), None

    def _translation_rows(self, kind):
        if self.fixed_images is None:
            raise ValueError(
                f"ImageSnapshot needs images= for this {type(self.model).__name__} "
                "(an image-to-image translator)."
            )
        a, b = self.fixed_images
        a = a[: self.num_images]
        b = None if b is None else b[: self.num_images]
        model = self.model
        if kind == "cycle":
            to_b = model.translate_a_to_b(a)
            rows = [a, to_b, model.translate_b_to_a(to_b)]
            if b is not None:
                to_a = model.translate_b_to_a(b)
                rows += [b, to_a, model.translate_a_to_b(to_a)]
        else:
            rows = [a, model.translate(a)]
            if b is not None:
                rows.append(b)
        return stack_rows(rows, self.value_range[0])

    def snapshot(self, epoch):
        """Write the grid for (0-based) `epoch` now; return the PNG path."""
        images, columns = self.images()
        path = None
        if self.directory is not None:
            path = os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png")
            save_image_grid(
                images,
                path,
                columns=columns,
                value_range=self.value_range,
                scale=self.scale,
            )
            self.written.append(path)
        if self.log_dir is not None:
            self._write_summary(images, epoch, columns)
        return path

    def _write_summary(self, images, epoch, columns=None):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        grid = image_grid(images, columns=columns, value_range=self.value_range)
        if grid.ndim == 2:
            grid = grid[..., None]
        tag = (
            "generated_images"
            if translator_kind(self.model) is None
            else "translated_images"
        )
        with self._writer.as_default():
            tf.summary.image(tag, grid[None], step=epoch + 1)
        self._writer.flush()

    def on_train_begin(self, logs=None):
        # Create the folder and prove it writable before the first epoch, so
        # that a read-only file system fails now, not after an epoch.
        if self.directory is None:
            return
        try:
            make_writable_directory(self.directory)
        except OSError as e:
            raise ValueError(
                f"ImageSnapshot cannot write to directory={self.directory!r} "
                f"({e.strerror or e}). Pass a directory this process can "
                "create and write to."
            ) from None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.snapshot(epoch)

    def get_config(self):
        """Constructor arguments (a `generator` or `images` passed in are not included)."""
        return {
            "directory": self.directory,
            "every_n_epochs": self.every_n_epochs,
            "num_images": self.num_images,
            "seed": self.seed,
            "log_dir": self.log_dir,
            "scale": self.scale,
            "value_range": list(self.value_range),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def translator_kind(model):
    """`"cycle"` (`translate_a_to_b`/`translate_b_to_a`), `"one_way"` (`translate`) or None."""
    if callable(getattr(model, "translate_a_to_b", None)) and callable(
        getattr(model, "translate_b_to_a", None)
    ):
        return "cycle"
    if callable(getattr(model, "translate", None)):
        return "one_way"
    return None


def _image_batch(array, what):
    try:
        array = np.asarray(array, dtype="float32")
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 4 or len(array) == 0:
        shape = "no array" if array is None else f"shape {array.shape}"
        raise ValueError(
            f"ImageSnapshot needs {what} as a non-empty array of images "
            f"(n, height, width, channels). Received: {shape}"
        )
    return array


def _image_arrays(images):
    """`(a, b)` float32 arrays (b None) from `images`, or None."""
    if images is None:
        return None
    if isinstance(images, (tuple, list)):
        if len(images) != 2:
            raise ValueError(
                "ImageSnapshot(images=...) takes an array of A images or a "
                f"pair (a_images, b_images). Received a {type(images).__name__} "
                f"of {len(images)} items."
            )
        return (
            _image_batch(images[0], "images[0] (A images)"),
            _image_batch(images[1], "images[1] (B images)"),
        )
    return _image_batch(images, "images"), None


def stack_rows(rows, fill):
    """`(images, columns)`: one grid row per array in `rows`, padded to agree.

    Every row gets as many images as the longest, every image the largest
    height and width and the most channels (1 repeated to 3) of any row;
    what is added holds `fill` (the background of `image_grid`).
    """
    rows = [np.asarray(r, dtype="float32") for r in rows]
    rows = [r[..., None] if r.ndim == 3 else r for r in rows]
    columns = max(len(r) for r in rows)
    height = max(r.shape[1] for r in rows)
    width = max(r.shape[2] for r in rows)
    channels = max(r.shape[3] for r in rows)
    out = np.full((len(rows), columns, height, width, channels), fill, "float32")
    for i, r in enumerate(rows):
        if r.shape[3] != channels:
            r = np.repeat(r, channels, axis=3)
        out[i, : len(r), : r.shape[1], : r.shape[2]] = r
    return out.reshape(-1, height, width, channels), columns
