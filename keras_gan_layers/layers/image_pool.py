"""ImagePool: a history of generated images for the discriminator (CycleGAN)."""

import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.backend import gather_replicas


@keras_gan_export()
class ImagePool(keras.layers.Layer):
    """A buffer of past generated images that the discriminator is shown.

    Shrivastava et al. (2017) and CycleGAN update the discriminator with a
    history of generated images rather than only the latest ones, which
    reduces oscillation. This is the CycleGAN code's `ImagePool`
    (`util/image_pool.py`), vectorised over the batch:

    - while the pool holds fewer than `pool_size` images, each incoming
      image is stored and returned as it is;
    - once it is full, each image is, with probability 1/2, swapped with a
      uniformly chosen stored image (the stored one is returned, the new
      one takes its place), and otherwise returned as it is.

    The original code handles the images of a batch one after another; here
    they are handled at once with the same outcome: an image that swaps a
    slot which an earlier image of the batch filled or swapped gets that
    image back. (The random draws differ: one coin and one slot are drawn
    per image on every call.)

    The stored images (`pool`, shape `(pool_size, *image_shape)`) and their
    count (`count`) are non-trainable weights and the draws come from the
    layer's `seed_generator`, so all of it is saved with the model and a
    resumed run continues exactly. With `training=False` (or
    `pool_size=0`) the layer is the identity and stores nothing.

    Under a `tf.distribute` strategy (`MirroredStrategy`), where each
    replica sees its share of the batch, the layer gathers the replicas'
    images first: every replica keeps the same pool, the one a single
    device keeps with the global batch, and returns its own share of the
    images that device would return (so the saved pool is the run's).

    Args:
        pool_size: Int >= 0, the number of images kept (CycleGAN: 50).
            0 disables the pool.
        seed: Optional int seed of the layer's `keras.random.SeedGenerator`.
        **kwargs: Base layer keyword arguments (`name`, `dtype`).

    Call arguments:
        images: A tensor of shape `(batch, *image_shape)`; `image_shape`
            must be fully known when the layer is built.
        training: Python bool; the pool is used only when True.

    Returns:
        A tensor of the shape and dtype of `images`: the images the
        discriminator should see.

    Raises:
        ValueError: `pool_size` not an int >= 0, `seed` not an int or None,
            an image shape with unknown dimensions.

    Example:

    ```python
    pool = ImagePool(pool_size=50, seed=0)
    fake = keras.random.normal((1, 64, 64, 3))
    shown = pool(fake, training=True)  # fake itself until 50 are stored
    ```

    Reference:
    - [Shrivastava et al., 2017](https://arxiv.org/abs/1612.07828), Section 2.3
    - [Zhu et al., 2017 (CycleGAN)](https://arxiv.org/abs/1703.10593), Section 4
    """

    def __init__(self, pool_size=50, seed=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if (
            isinstance(pool_size, bool)
            or not isinstance(pool_size, numbers.Integral)
            or pool_size < 0
        ):
            raise ValueError(
                f"{name} needs pool_size, an int >= 0 (0 disables the pool). "
                f"Received: pool_size={pool_size!r}"
            )
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
        ):
            raise ValueError(
                f"{name} needs an int seed or None. Received: seed={seed!r}"
            )
        self.pool_size = int(pool_size)
        self.seed = None if seed is None else int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.pool = None
        self.count = None

    def build(self, input_shape):
        if self.pool_size == 0:  # the identity: nothing to store
            return
        image_shape = tuple(input_shape[1:])
        if not image_shape or any(d is None for d in image_shape):
            raise ValueError(
                f"{type(self).__name__} stores images, so their shape must be "
                f"known: (batch, *image_shape) with every image dimension set. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self.pool = self.add_weight(
            shape=(self.pool_size, *image_shape),
            initializer="zeros",
            trainable=False,
            name="pool",
        )
        self.count = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="count"
        )

    def call(self, images, training=False):
        if not training or self.pool_size == 0:
            return images
        share = ops.shape(images)[0]
        # Under tf.distribute: every replica's images, so that each replica
        # keeps the pool one device would keep with the global batch.
        images, start = gather_replicas(images)
        n = ops.shape(images)[0]
        size = self.pool_size
        pool = ops.convert_to_tensor(self.pool)
        count = ops.convert_to_tensor(self.count)
        stored = ops.cast(images, pool.dtype)
        index = ops.arange(n, dtype="int32")
        slots = ops.arange(size, dtype="int32")
        expand = (-1,) + (1,) * (len(images.shape) - 1)
        # 1. While filling: image i goes to slot count + i and is returned.
        position = count + index
        filling = ops.less(position, size)
        pool = _write(pool, stored, position, filling, slots, index, expand)
        # 2. Once full: a fair coin per image and a random slot to swap with,
        # handled as the original's loop would: an image swapping a slot
        # that an earlier image of the batch swapped gets that image back.
        swap = ops.logical_and(
            ops.logical_not(filling),
            ops.less(keras.random.uniform((n,), seed=self.seed_generator), 0.5),
        )
        slot = keras.random.randint(
            (n,), 0, size, seed=self.seed_generator, dtype="int32"
        )
        earlier = ops.logical_and(
            ops.logical_and(swap[:, None], swap[None, :]),
            ops.logical_and(
                ops.equal(slot[:, None], slot[None, :]),
                ops.less(index[None, :], index[:, None]),
            ),
        )  # earlier[i, j]: image j < i swapped the slot that image i swaps
        last_earlier = ops.argmax(
            ops.where(earlier, index[None, :] + 1, ops.zeros_like(earlier, "int32")),
            axis=1,
        )
        previous = ops.where(
            ops.reshape(ops.any(earlier, axis=1), expand),
            ops.take(stored, last_earlier, axis=0),
            ops.take(pool, slot, axis=0),
        )
        pool = _write(pool, stored, slot, swap, slots, index, expand)
        self.pool.assign(pool)
        self.count.assign(ops.minimum(count + ops.cast(n, "int32"), size))
        shown = ops.where(ops.reshape(swap, expand), previous, stored)
        if start is not None:
            shown = shown[start : start + share]
        return ops.cast(shown, images.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "seed": self.seed}


def _write(pool, images, target, write, slots, index, expand):
    """`pool` with `images[i]` in slot `target[i]` where `write[i]`; last wins."""
    hits = ops.logical_and(ops.equal(target[:, None], slots[None, :]), write[:, None])
    writer = ops.argmax(
        ops.where(hits, index[:, None] + 1, ops.zeros_like(hits, "int32")), axis=0
    )
    written = ops.reshape(ops.any(hits, axis=0), (-1,) + tuple(expand[1:]))
    return ops.where(written, ops.take(images, writer, axis=0), pool)
