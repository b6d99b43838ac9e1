"""`Penalty`: the interface of discriminator regularisers."""

import numbers
import warnings

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.backend import input_gradient


def per_sample_norm(x, squared=False):
    """L2 norm of each sample of `x` over all non-batch axes (float32)."""
    x = ops.cast(x, "float32")
    x = ops.reshape(x, (ops.shape(x)[0], -1))
    sq = ops.sum(ops.square(x), axis=1)
    if squared:
        return sq
    # The epsilon keeps the gradient of the norm finite at zero.
    return ops.sqrt(sq + 1e-12)


def discriminator_input_gradient(discriminator, x):
    """Per-sample gradient of the discriminator's mean output w.r.t. its input.

    Row `i` is `d mean(D(x)_i) / d x_i`, the mean over sample `i`'s outputs
    (see `keras_gan_layers.backend.input_gradient`). The discriminator runs
    in training mode (unless a `DiscriminatorView` forces the mode), its
    state updates (batch statistics, spectral-normalization vectors) are
    discarded, and the gradient is loss-scaled when the discriminator (a
    `DiscriminatorView`) carries a `loss_scale`.
    """
    return input_gradient(
        lambda t: discriminator(t, training=True),
        x,
        variables=getattr(discriminator, "variables", None),
        loss_scale=getattr(discriminator, "loss_scale", None),
    )


def warn_batch_normalization(penalties, discriminator, stacklevel=3):
    """Warn when input-gradient penalties meet batch normalization.

    A `keras.layers.BatchNormalization` that trains normalizes with the
    batch's statistics, so one sample's output depends on the others: the
    per-sample input gradient that GP, DRAGAN and R1/R2 penalise is then not
    that sample's (Gulrajani et al., 2017, section 4: no batch normalization
    in the critic; layer normalization instead). Frozen ones
    (`trainable=False`) use their moving statistics and are not reported.

    Args:
        penalties: `Penalty` objects; those with `uses_input_gradient` count.
        discriminator: The network they differentiate.
        stacklevel: Passed to `warnings.warn`.
    """
    users = [p for p in penalties if getattr(p, "uses_input_gradient", False)]
    if not users or not isinstance(discriminator, keras.layers.Layer):
        return
    found = [
        layer
        for layer in discriminator._flatten_layers(include_self=True, recursive=True)
        if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable
    ]
    if not found:
        return
    names = ", ".join(f"{p.name} ({type(p).__name__})" for p in users)
    layers = ", ".join(repr(layer.name) for layer in found)
    warnings.warn(
        f"The penalty {names} differentiates the discriminator "
        f"{discriminator.name!r} sample by sample, but it has the "
        f"BatchNormalization layer {layers}: in training it normalizes with "
        "the batch's statistics, which mixes the samples, so the penalised "
        "gradient is not the sample's own. WGAN-GP (Gulrajani et al., 2017, "
        "section 4) uses no batch normalization in the critic: use layer "
        "normalization (e.g. dcgan_discriminator(normalization='layer')) or "
        "none.",
        UserWarning,
        stacklevel=stacklevel,
    )


def batch_broadcast_shape(x):
    """Shape `(batch, 1, 1, ...)` that broadcasts one scalar per sample."""
    return (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)


@keras_gan_export()
class Penalty:
    """Base class of penalties added to the discriminator's loss.

    A penalty is called as `penalty(discriminator, real, fake, seed=None)`
    and returns a scalar that is already multiplied by its weight. `GAN`
    adds it to the discriminator loss and logs it under `name`. Randomness
    (interpolation coefficients) comes from `seed`, which `GAN` sets to its
    own `keras.random.SeedGenerator`.

    Subclasses implement `compute(discriminator, real, fake, seed)` (the
    unweighted value). The gradient penalties (`GradientPenalty`,
    `R1Penalty`, `R2Penalty`, `DRAGANPenalty`, marked
    `uses_input_gradient = True`) differentiate, for each sample, the mean
    of the discriminator's outputs for that sample, so a critic with many
    outputs per sample (PatchGAN) is penalised on the same scale as the
    losses, which average its outputs; a single-output critic is unchanged.
    Their forward pass runs in training mode but leaves batch-normalization
    statistics and spectral-normalization vectors as they were, on every
    backend: the penalty only reads the network.

    Under `mixed_float16` the model gives the discriminator a `loss_scale`
    (its optimizer's dynamic scale), which the input gradient is multiplied
    by in float16 and divided by in float32, so that it does not underflow.
    If the scaled gradient overflows, the penalty reports 0 for that step
    instead of inf or NaN; the step's discriminator gradients are then not
    finite, so the `LossScaleOptimizer` skips the update and halves its
    scale, as it does when the loss's own gradients overflow.

    Args:
        weight: Multiplier of the penalty.
        name: Key of the penalty in the training logs.

    Example:

    ```python
    class LogitPenalty(keras_gan_layers.penalties.Penalty):
        def compute(self, discriminator, real, fake, seed=None):
            return keras.ops.mean(keras.ops.square(discriminator(real)))
    ```
    """

    default_name = "penalty"
    #: True for penalties built on `discriminator_input_gradient` (GP, R1,
    #: R2, DRAGAN): `compile` warns about batch normalization for them, and
    #: a loss-scale overflow of their input gradient is reported as 0.
    uses_input_gradient = False

    def __init__(self, weight=1.0, name=None):
        if (
            not isinstance(weight, numbers.Real)
            or isinstance(weight, bool)
            or not float(weight) >= 0
        ):
            raise ValueError(
                f"{type(self).__name__} weight must be a number >= 0. "
                f"Received: weight={weight!r}"
            )
        weight = float(weight)
        self.weight = weight
        self.name = name or self.default_name

    def compute(self, discriminator, real, fake, seed=None):
        """Unweighted penalty value (scalar)."""
        raise NotImplementedError

    def __call__(self, discriminator, real, fake, seed=None):
        value = self.weight * ops.cast(
            self.compute(discriminator, real, fake, seed=seed), "float32"
        )
        loss_scale = getattr(discriminator, "loss_scale", None)
        if self.uses_input_gradient and loss_scale is not None:
            # A float16 overflow of the loss-scaled input gradient: report 0.
            # The unselected branch still passes NaN to the weights' gradients
            # (0 * inf), so the LossScaleOptimizer skips the step and lowers
            # its scale instead of `fit` stopping on an infinite penalty.
            value = ops.where(ops.isfinite(value), value, ops.zeros_like(value))
        return value

    def get_config(self):
        return {"weight": self.weight, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
