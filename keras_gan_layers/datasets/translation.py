"""Paired (pix2pix) and unpaired (CycleGAN) image sets as `tf.data` pipelines."""

import os

import numpy as np

from keras_gan_layers.datasets.directory import (
    _image_size,
    check_image_directory,
    image_files,
)
from keras_gan_layers.datasets.scaling import scale_images

#: Jitter of pix2pix and CycleGAN: resize 256 -> 286, random crop back to 256.
JITTER_SCALE = 286 / 256

#: Shuffle buffer (images) for `tf.data.Dataset` inputs; arrays and folders
#: shuffle indices or paths, which needs no buffer of images.
DATASET_SHUFFLE_BUFFER = 1024


class _Domain:
    """One side (`a` or `b`): a dataset of float32 images in [-1, 1]."""

    def __init__(self, source, name, image_size):
        import tensorflow as tf

        self.name = name
        if isinstance(source, (str, os.PathLike)):
            self._from_directory(tf, os.fspath(source))
        elif isinstance(source, np.ndarray):
            self._from_array(tf, source)
        elif isinstance(source, tf.data.Dataset):
            self._from_dataset(tf, source)
        else:
            raise ValueError(
                f"{name} must be a numpy array of images, a tf.data.Dataset "
                f"of images or a folder path. Received: {name} of type "
                f"{type(source).__name__}"
            )
        if self.length == 0:
            raise ValueError(f"{name} holds no images.")
        self.output_size = image_size or self.size

    def _from_array(self, tf, array):
        if array.ndim == 3:
            array = array[..., None]
        if array.ndim != 4 or array.shape[-1] < 1:
            raise ValueError(
                f"{self.name} must be an array of images (n, height, width, "
                f"channels) or (n, height, width). Received: "
                f"{self.name}.shape={array.shape}"
            )
        if array.size and np.issubdtype(array.dtype, np.integer):
            if array.min() < 0 or array.max() > 255:
                raise ValueError(
                    f"An integer {self.name} is read as 8-bit pixels in 0..255. "
                    f"Received values in {array.min()}..{array.max()}"
                )
            array = scale_images(array)
        elif array.size and np.issubdtype(array.dtype, np.floating):
            low, high = float(array.min()), float(array.max())
            if not (np.isfinite(low) and np.isfinite(high)) or low < -1 or high > 1:
                raise ValueError(
                    f"A float {self.name} must already be in [-1, 1] (integer "
                    "arrays are read as 0..255; use "
                    "keras_gan_layers.datasets.scale_images for other ranges). "
                    f"Received values in [{low}, {high}]"
                )
            array = array.astype("float32")
        elif array.size:
            raise ValueError(
                f"{self.name} must hold integer (0..255) or float ([-1, 1]) "
                f"pixels. Received: dtype={array.dtype}"
            )
        self.length = len(array)
        self.size = tuple(array.shape[1:3])
        self.channels = array.shape[-1]
        self.kind = "array"
        self._array = array

    def _from_dataset(self, tf, dataset):
        spec = dataset.element_spec
        if not isinstance(spec, tf.TensorSpec) or spec.shape.rank not in (3, 4):
            raise ValueError(
                f"A tf.data.Dataset {self.name} must yield images (height, "
                "width, channels), or batches of them, as single tensors. "
                f"Received: element_spec={spec}"
            )
        if spec.shape.rank == 4:
            dataset = dataset.unbatch()
        length = int(dataset.cardinality())
        if length == int(tf.data.INFINITE_CARDINALITY):
            raise ValueError(
                f"{self.name} is an infinite tf.data.Dataset (repeated); pass "
                "one epoch of images."
            )
        if length < 0:  # unknown (filtered, unbatched): one pass to count
            length = int(dataset.reduce(np.int64(0), lambda n, _: n + 1))
        if spec.dtype.is_integer:
            dataset = dataset.map(lambda x: tf.cast(x, "float32") / 127.5 - 1.0)
        elif spec.dtype.is_floating:
            dataset = dataset.map(lambda x: tf.cast(x, "float32"))
        else:
            raise ValueError(
                f"{self.name} must yield integer (0..255) or float ([-1, 1]) "
                f"pixels. Received: dtype={spec.dtype.name}"
            )
        shape = spec.shape[-3:]
        self.length = length
        self.size = tuple(shape[:2]) if None not in tuple(shape[:2]) else None
        self.channels = shape[-1]
        self.kind = "dataset"
        self._dataset = dataset

    def _from_directory(self, tf, path):
        check_image_directory(path)
        files = sorted(image_files(path))
        first = tf.io.decode_image(
            tf.io.read_file(files[0]), channels=3, expand_animations=False
        )
        self.length = len(files)
        self.size = tuple(int(d) for d in first.shape[:2])
        self.channels = 3
        self.kind = "directory"
        self._files = files

    def dataset(self, shuffle, seed):
        """Unbatched images, shuffled with `seed` when asked, one epoch."""
        import tensorflow as tf

        if self.kind == "dataset":
            data = self._dataset
            if shuffle:
                buffer = min(self.length, DATASET_SHUFFLE_BUFFER)
                data = data.shuffle(buffer, seed=seed)
            return data.map(self._resize)
        indices = tf.data.Dataset.range(self.length)
        if shuffle:
            indices = indices.shuffle(self.length, seed=seed)
        return indices.map(self.element, num_parallel_calls=tf.data.AUTOTUNE)

    def element(self, index):
        """The `index`-th image of an array or a folder (sorted paths)."""
        import tensorflow as tf

        if self.kind == "array":
            if not hasattr(self, "_constant"):
                self._constant = tf.constant(self._array)
            return self._resize(tf.gather(self._constant, index))
        if not hasattr(self, "_paths"):
            self._paths = tf.constant(self._files)
        image = tf.io.decode_image(
            tf.io.read_file(tf.gather(self._paths, index)),
            channels=3,
            expand_animations=False,
        )
        return self._resize(tf.cast(image, "float32") / 127.5 - 1.0)

    def _resize(self, image):
        import tensorflow as tf

        if self.output_size is None:
            return image
        image = tf.image.resize(image, self.output_size, method="bilinear")
        return tf.ensure_shape(image, (*self.output_size, self.channels))


def _jitter(image, size, seed):
    """Resize to 286/256 of `size`, random crop back to `size`, random flip."""
    import tensorflow as tf

    height, width = size
    big = (round(height * JITTER_SCALE), round(width * JITTER_SCALE))
    image = tf.image.resize(image, big, method="bilinear")
    channels = image.shape[-1]
    crop_seed, flip_seed = seed[0], seed[1]
    image = tf.image.stateless_random_crop(
        image, (height, width, channels), seed=crop_seed
    )
    return tf.image.stateless_random_flip_left_right(image, seed=flip_seed)


def _check_args(batch_size, image_size, jitter):
    if isinstance(batch_size, bool) or not (
        isinstance(batch_size, (int, np.integer)) and batch_size >= 1
    ):
        raise ValueError(
            f"batch_size must be an integer >= 1. Received: batch_size={batch_size!r}"
        )
    if image_size is not None:
        image_size = _image_size(image_size)
    if not isinstance(jitter, bool):
        raise ValueError(f"jitter must be True or False. Received: jitter={jitter!r}")
    return image_size


def _jitter_seeds(seed, offset):
    """A dataset of `(2, 2)` int64 stateless seeds (crop, flip) per element."""
    import tensorflow as tf

    start = None if seed is None else seed + offset
    return (
        tf.data.Dataset.random(seed=start).batch(4).map(lambda s: tf.reshape(s, (2, 2)))
    )


def _known_size(domain):
    if domain.output_size is None:
        raise ValueError(
            f"The image size of {domain.name} is unknown (a tf.data.Dataset "
            "without a static height and width); pass image_size."
        )
    return domain.output_size


def paired(a, b, batch_size=1, image_size=None, jitter=False, shuffle=True, seed=None):
    """Aligned image pairs (pix2pix) as a `tf.data.Dataset` of `(a, b)` batches.

    The `i`-th image of `a` goes with the `i`-th image of `b`: the pairs are
    shuffled together, never apart. Each of `a` and `b` is

    - a numpy array `(n, height, width, channels)` (or `(n, height, width)`,
      given a channel axis): integer arrays (uint8) are read as 0..255 and
      mapped with `x / 127.5 - 1` (`scale_images`); float arrays must
      already be in [-1, 1] (checked; scale other ranges first);
    - a `tf.data.Dataset` of images `(height, width, channels)` (or of
      batches of them, unbatched here), integer (0..255, scaled) or float
      (taken to be in [-1, 1]), finite (one epoch; when tf.data does not
      know its length, e.g. after `filter` or `unbatch`, it is counted with
      one pass over it);
    - a folder path: its image files (PNG, JPEG, GIF, BMP, searched
      recursively as `from_directory` does), decoded as RGB, paired by
      sorted path.

    Needs TensorFlow installed, whatever the backend.

    Args:
        a: The input images (pix2pix's domain A: labels, edges, ...).
        b: The target images, as many as `a`.
        batch_size: Pairs per batch (1 in the paper).
        image_size: None to keep the images' size (both sides then need the
            same height and width), or an int or `(height, width)`: both
            sides are resized to it (bilinear).
        jitter: The papers' random jitter, one draw per pair applied to both
            images alike: resize to 286/256 of the size (bilinear), random
            crop back to the size, random horizontal flip.
        shuffle: Shuffle the pairs (each epoch).
        seed: Seed of the shuffle and the jitter; None for a random one.

    Returns:
        A `tf.data.Dataset` of `(a_batch, b_batch)` float32 tuples in [-1, 1],
        `(batch, height, width, channels)` each (the last batch may be
        smaller). Its attribute `pairing` is `"paired"`.

    Raises:
        ValueError: `a` or `b` of an unsupported type, empty, of another
            length than the other, of unknown length (a dataset), with
            values out of range (arrays), or of another height and width than
            the other (without `image_size`); a bad `batch_size`,
            `image_size` or `jitter`; the errors of `from_directory` for a
            folder.

    Example:

    ```python
    data = paired("facades/train/A", "facades/train/B", image_size=256, jitter=True)
    pix2pix.fit(data, epochs=200)
    ```

    Reference:
    - [Isola et al., 2017](https://arxiv.org/abs/1611.07004) (pix2pix)
    """
    import tensorflow as tf

    image_size = _check_args(batch_size, image_size, jitter)
    a = _Domain(a, "a", image_size)
    b = _Domain(b, "b", image_size)
    if a.length != b.length:
        raise ValueError(
            "paired needs as many images in a as in b (the i-th of each make "
            f"a pair). Received: {a.length} images in a, {b.length} in b"
        )
    if a.output_size != b.output_size or a.output_size is None:
        raise ValueError(
            "paired needs the images of a pair at the same height and width; "
            "pass image_size to resize both. Received: (height, width) "
            f"{a.output_size} in a, {b.output_size} in b"
        )
    size = a.output_size
    if "dataset" in (a.kind, b.kind):
        data = tf.data.Dataset.zip(a.dataset(False, None), b.dataset(False, None))
        if shuffle:
            data = data.shuffle(min(a.length, DATASET_SHUFFLE_BUFFER), seed=seed)
    else:  # shuffle the indices of the pairs: no buffer of images
        indices = tf.data.Dataset.range(a.length)
        if shuffle:
            indices = indices.shuffle(a.length, seed=seed)
        data = indices.map(
            lambda i: (a.element(i), b.element(i)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    if jitter:
        split = a.channels

        def jitter_pair(pair, seeds):
            joined = tf.concat(pair, axis=-1)
            joined = _jitter(joined, size, seeds)
            return joined[..., :split], joined[..., split:]

        data = tf.data.Dataset.zip(data, _jitter_seeds(seed, 2)).map(
            jitter_pair, num_parallel_calls=tf.data.AUTOTUNE
        )
    data = data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    data.pairing = "paired"
    return data


def unpaired(
    a, b, batch_size=1, image_size=None, jitter=False, shuffle=True, seed=None
):
    """Two unaligned image sets (CycleGAN) as a `tf.data.Dataset` of `(a, b)`.

    The two domains are shuffled independently (seeds `seed` and `seed +
    1`) and the smaller one is cycled, so an epoch has `max(len(a),
    len(b))` images of each, as the CycleGAN code's unaligned dataset:
    every image of the larger domain once, those of the smaller one
    repeated (each pass in a new order). `a` and `b` take the forms of
    `paired` (numpy arrays, `tf.data.Dataset`s of images, folder paths);
    their sizes and channels may differ.

    Needs TensorFlow installed, whatever the backend.

    Args:
        a: Images of domain A.
        b: Images of domain B.
        batch_size: Images of each domain per batch (1 in the paper).
        image_size: None to keep each domain's size, or an int or
            `(height, width)` to resize both to (bilinear).
        jitter: The papers' random jitter, drawn for each image on its own:
            resize to 286/256 of the size (bilinear), random crop back,
            random horizontal flip.
        shuffle: Shuffle each domain (each epoch and each pass of the
            smaller one).
        seed: Seed of the shuffles and the jitter; None for a random one.

    Returns:
        A `tf.data.Dataset` of `(a_batch, b_batch)` float32 tuples in
        [-1, 1], `ceil(max(len(a), len(b)) / batch_size)` of them. Its
        attribute `pairing` is `"unpaired"`: `Pix2Pix.fit` refuses it.

    Raises:
        ValueError: `a` or `b` of an unsupported type, empty, infinite (a
            dataset) or with values out of range (arrays); a bad
            `batch_size`, `image_size` or `jitter`; the errors of
            `from_directory` for a folder.

    Example:

    ```python
    data = unpaired("horse2zebra/trainA", "horse2zebra/trainB", jitter=True)
    cyclegan.fit(data, epochs=200)
    ```

    Reference:
    - [Zhu et al., 2017](https://arxiv.org/abs/1703.10593) (CycleGAN)
    """
    import tensorflow as tf

    image_size = _check_args(batch_size, image_size, jitter)
    domains = (_Domain(a, "a", image_size), _Domain(b, "b", image_size))
    length = max(d.length for d in domains)
    streams = []
    for offset, domain in enumerate(domains):
        domain_seed = None if seed is None else seed + offset
        data = domain.dataset(shuffle, domain_seed)
        data = data.repeat().take(length) if domain.length < length else data
        if jitter:
            size = _known_size(domain)
            data = tf.data.Dataset.zip(data, _jitter_seeds(seed, 2 + 2 * offset)).map(
                lambda image, seeds, size=size: _jitter(image, size, seeds),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        streams.append(data)
    data = tf.data.Dataset.zip(*streams)
    data = data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    # Read by Pix2Pix.fit, which refuses unpaired data (lost by further
    # transformations such as .repeat()).
    data.pairing = "unpaired"
    return data
