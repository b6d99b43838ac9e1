"""ProjectionDiscriminatorHead: the class-projection output of a discriminator."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import (
    check_labels_shape,
    class_ids,
    positive_int_arg,
    split_pair,
)


@keras_gan_export()
class ProjectionDiscriminatorHead(keras.layers.Layer):
    """Discriminator logits with a projection of the class embedding.

    Given the pooled features `h` of a discriminator and the labels `y`, it
    returns `psi(h) + <embed(y), h>`: a dense unit `psi` (the unconditional
    logit) plus the inner product of `h` with the row of a learned
    `(num_classes, features)` embedding table that belongs to the class.

    With `spectral_norm=True` both parts are spectrally normalized, as in the
    paper's code: the dense unit is wrapped in
    `keras.layers.SpectralNormalization` (sublayer `dense`), and the
    embedding table `E` is used as `E / sigma`, where `sigma` estimates the
    largest singular value of `E` by power iteration from a stored
    non-trainable vector `embeddings_u` (one iteration per training call,
    updating the vector, like `keras.layers.SpectralNormalization`). Unlike
    that wrapper, which overwrites the kernel with the normalized one, the
    table keeps its raw value and the division is part of the forward pass
    (as in Miyato et al.), so gradients flow through `sigma` with the power
    iteration vectors held constant. In inference the vector is not updated.

    Args:
        num_classes: Int, number of classes.
        spectral_norm: Spectrally normalize the dense unit and the embedding.
        power_iterations: Power iterations per training call when
            `spectral_norm=True`.
        kernel_initializer: Initializer of the dense kernel.
        bias_initializer: Initializer of the dense bias.
        embeddings_initializer: Initializer of the embedding table.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A list `[h, labels]`: `h` of shape `(batch, features)`,
            `labels` integer class ids of shape `(batch,)` or `(batch, 1)`.
        training: Python boolean; with `spectral_norm=True`, whether to
            advance the power iteration.

    Returns:
        Logits of shape `(batch, 1)`.

    Raises:
        ValueError: If `num_classes < 1`, `power_iterations < 1`, `h` is not
            of rank 2, or the labels are not of shape `(batch,)` or
            `(batch, 1)`.

    Example:

    ```python
    head = ProjectionDiscriminatorHead(num_classes=10, spectral_norm=True)
    h = keras.random.normal((4, 32))
    labels = keras.ops.convert_to_tensor([0, 3, 9, 3], dtype="int32")
    head([h, labels]).shape  # (4, 1)
    ```

    Reference:
    - [Miyato & Koyama, 2018](https://arxiv.org/abs/1802.05637)
    - [Miyato et al., 2018](https://arxiv.org/abs/1802.05957)
    """

    def __init__(
        self,
        num_classes,
        spectral_norm=False,
        power_iterations=1,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        embeddings_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.num_classes = positive_int_arg(num_classes, "num_classes", name)
        self.power_iterations = positive_int_arg(
            power_iterations, "power_iterations", name
        )
        self.spectral_norm = bool(spectral_norm)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        dense = keras.layers.Dense(
            1,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            dtype=self.dtype_policy,
            name="psi",
        )
        if self.spectral_norm:
            dense = keras.layers.SpectralNormalization(
                dense,
                power_iterations=self.power_iterations,
                dtype=self.dtype_policy,
                name="spectral_psi",
            )
        self.dense = dense
        self.embeddings = None
        self.embeddings_u = None

    def build(self, input_shape):
        h_shape, labels_shape = split_pair(
            input_shape, type(self).__name__, names=("h", "labels")
        )
        check_labels_shape(labels_shape, type(self).__name__)
        if len(h_shape) != 2 or h_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} needs h of shape (batch, features). "
                f"Received: h.shape={tuple(h_shape)}"
            )
        features = h_shape[-1]
        self.dense.build(h_shape)
        self.embeddings = self.add_weight(
            shape=(self.num_classes, features),
            name="embeddings",
            initializer=self.embeddings_initializer,
            trainable=True,
            autocast=False,
        )
        if self.spectral_norm:
            self.embeddings_u = self.add_weight(
                shape=(1, features),
                name="embeddings_u",
                initializer=keras.initializers.TruncatedNormal(stddev=0.02),
                trainable=False,
                autocast=False,
            )

    def normalized_embeddings(self):
        """Power-iterate from `embeddings_u`: `(new_u, embeddings / sigma)`.

        Reads the variables and returns the next power-iteration vector and
        the spectrally normalized table, without assigning anything (the
        layer assigns the vector in training calls).
        """
        table = self.embeddings.value
        u = ops.cast(self.embeddings_u.value, table.dtype)
        for _ in range(self.power_iterations):
            v = ops.normalize(ops.matmul(u, ops.transpose(table)), axis=None)
            u = ops.normalize(ops.matmul(v, table), axis=None)
        u = ops.stop_gradient(u)
        v = ops.stop_gradient(v)
        sigma = ops.sum(ops.matmul(v, table) * u)
        # An all-zero table has sigma = 0: leave it (and the vector) unchanged.
        nonzero = sigma > 0.0
        sigma = ops.where(nonzero, sigma, ops.ones_like(sigma))
        new_u = ops.where(nonzero, u, ops.cast(self.embeddings_u.value, u.dtype))
        return ops.cast(new_u, self.embeddings_u.dtype), table / sigma

    def call(self, inputs, training=None):
        h, labels = split_pair(inputs, type(self).__name__, names=("h", "labels"))
        labels = class_ids(labels, type(self).__name__)
        if self.spectral_norm:
            new_u, table = self.normalized_embeddings()
            if training:
                self.embeddings_u.assign(new_u)
        else:
            table = self.embeddings
        rows = ops.cast(ops.take(table, labels, axis=0), h.dtype)
        projection = ops.sum(rows * h, axis=-1, keepdims=True)
        return ops.cast(self.dense(h, training=training), h.dtype) + projection

    def compute_output_shape(self, input_shape):
        h_shape, labels_shape = split_pair(
            input_shape, type(self).__name__, names=("h", "labels")
        )
        check_labels_shape(labels_shape, type(self).__name__)
        return (h_shape[0], 1)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "spectral_norm": self.spectral_norm,
            "power_iterations": self.power_iterations,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "embeddings_initializer": keras.initializers.serialize(
                self.embeddings_initializer
            ),
        }
