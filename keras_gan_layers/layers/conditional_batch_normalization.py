"""ConditionalBatchNormalization: batch norm with a per-class scale and shift."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import (
    check_labels_shape,
    class_ids,
    expand_to_rank,
    positive_int_arg,
    split_pair,
)


@keras_gan_export()
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch normalization whose scale and shift are chosen by the class label.

    The features are normalized over every axis but the last, exactly as
    `keras.layers.BatchNormalization(center=False, scale=False)` does: with
    the batch statistics in training (updating the moving mean and variance
    as `moving = moving * momentum + batch * (1 - momentum)`) and with the
    moving statistics in inference. Then each sample gets the scale and
    shift of its class:

    `output = gamma[label] * x_hat + beta[label]`,

    where `gamma` and `beta` are `(num_classes, channels)` tables. This is
    how the generators of SNGAN (projection discriminator) and BigGAN feed
    the class to every block.

    The normalization is an inner `keras.layers.BatchNormalization` sublayer
    (attribute `batch_norm`), so the moving statistics, the `trainable=False`
    behaviour (inference statistics, no update) and the float32 computation
    under mixed precision follow Keras; the class-conditional affine is
    computed in the variable dtype (float32 under mixed precision) and cast
    to the compute dtype.

    Args:
        num_classes: Int, number of classes.
        momentum: Momentum of the moving mean and variance.
        epsilon: Small float added to the variance.
        gamma_initializer: Initializer of the `(num_classes, channels)` scale
            table.
        beta_initializer: Initializer of the `(num_classes, channels)` shift
            table.
        gamma_regularizer: Optional regularizer of the scale table.
        beta_regularizer: Optional regularizer of the shift table.
        gamma_constraint: Optional constraint of the scale table.
        beta_constraint: Optional constraint of the shift table.
        moving_mean_initializer: Initializer of the moving mean.
        moving_variance_initializer: Initializer of the moving variance.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A list `[x, labels]`: `x` of shape `(batch, ..., channels)`,
            `labels` integer class ids of shape `(batch,)` or `(batch, 1)`.
        training: Python boolean: normalize with the batch statistics and
            update the moving ones (True) or use the moving statistics.

    Returns:
        A tensor of the shape of `x`.

    Raises:
        ValueError: If `num_classes < 1`, `momentum` is not in [0, 1],
            `epsilon <= 0`, or the labels are not of shape `(batch,)` or
            `(batch, 1)`.

    Example:

    ```python
    layer = ConditionalBatchNormalization(num_classes=10)
    x = keras.random.normal((4, 8, 8, 16))
    labels = keras.ops.convert_to_tensor([0, 3, 9, 3], dtype="int32")
    layer([x, labels], training=True).shape  # (4, 8, 8, 16)
    ```

    Reference:
    - [de Vries et al., 2017](https://arxiv.org/abs/1707.00683)
    - [Miyato & Koyama, 2018](https://arxiv.org/abs/1802.05637)
    """

    def __init__(
        self,
        num_classes,
        momentum=0.99,
        epsilon=1e-3,
        gamma_initializer="ones",
        beta_initializer="zeros",
        gamma_regularizer=None,
        beta_regularizer=None,
        gamma_constraint=None,
        beta_constraint=None,
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.num_classes = positive_int_arg(num_classes, "num_classes", name)
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(
                f"{name} needs 0 <= momentum <= 1. Received: momentum={momentum}"
            )
        if not float(epsilon) > 0.0:
            raise ValueError(f"{name} needs epsilon > 0. Received: epsilon={epsilon}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_regularizer = keras.regularizers.get(gamma_regularizer)
        self.beta_regularizer = keras.regularizers.get(beta_regularizer)
        self.gamma_constraint = keras.constraints.get(gamma_constraint)
        self.beta_constraint = keras.constraints.get(beta_constraint)
        self.moving_mean_initializer = keras.initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = keras.initializers.get(
            moving_variance_initializer
        )
        # Runs in the variable dtype (float32 under mixed precision), as Keras'
        # own batch normalization computes in float32.
        self.batch_norm = keras.layers.BatchNormalization(
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=False,
            scale=False,
            moving_mean_initializer=self.moving_mean_initializer,
            moving_variance_initializer=self.moving_variance_initializer,
            dtype=self.dtype_policy.variable_dtype,
            name="batch_norm",
        )
        self.gamma = None
        self.beta = None

    @property
    def moving_mean(self):
        """The moving mean, a `(channels,)` variable of the inner layer."""
        return self.batch_norm.moving_mean

    @property
    def moving_variance(self):
        """The moving variance, a `(channels,)` variable of the inner layer."""
        return self.batch_norm.moving_variance

    def build(self, input_shape):
        x_shape, labels_shape = split_pair(input_shape, type(self).__name__)
        check_labels_shape(labels_shape, type(self).__name__)
        channels = x_shape[-1]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__} needs a known number of channels. "
                f"Received: x.shape={tuple(x_shape)}"
            )
        self.batch_norm.build(x_shape)
        self.gamma = self.add_weight(
            shape=(self.num_classes, channels),
            name="gamma",
            initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer,
            constraint=self.gamma_constraint,
            trainable=True,
            autocast=False,
        )
        self.beta = self.add_weight(
            shape=(self.num_classes, channels),
            name="beta",
            initializer=self.beta_initializer,
            regularizer=self.beta_regularizer,
            constraint=self.beta_constraint,
            trainable=True,
            autocast=False,
        )

    def call(self, inputs, training=None):
        x, labels = split_pair(inputs, type(self).__name__)
        labels = class_ids(labels, type(self).__name__)
        x_hat = self.batch_norm(x, training=training)
        rank = len(x.shape)
        gamma = expand_to_rank(ops.take(self.gamma, labels, axis=0), rank)
        beta = expand_to_rank(ops.take(self.beta, labels, axis=0), rank)
        outputs = x_hat * ops.cast(gamma, x_hat.dtype) + ops.cast(beta, x_hat.dtype)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        x_shape, labels_shape = split_pair(input_shape, type(self).__name__)
        check_labels_shape(labels_shape, type(self).__name__)
        return tuple(x_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "gamma_regularizer": keras.regularizers.serialize(self.gamma_regularizer),
            "beta_regularizer": keras.regularizers.serialize(self.beta_regularizer),
            "gamma_constraint": keras.constraints.serialize(self.gamma_constraint),
            "beta_constraint": keras.constraints.serialize(self.beta_constraint),
            "moving_mean_initializer": keras.initializers.serialize(
                self.moving_mean_initializer
            ),
            "moving_variance_initializer": keras.initializers.serialize(
                self.moving_variance_initializer
            ),
        }
