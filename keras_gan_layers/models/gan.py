"""`GAN`: a `keras.Model` whose `fit` trains a generator against a discriminator."""

import keras
import numpy as np
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.models.adversarial import AdversarialModel, DiscriminatorView
from keras_gan_layers.models.data_checks import check_real_data
from keras_gan_layers.models.packing import check_pack, pack_samples
from keras_gan_layers.utils.sampling import LATENT_DISTRIBUTIONS, generate_numpy


def shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def compatible(a, b):
    return len(a) == len(b) and all(
        x is None or y is None or x == y for x, y in zip(a, b)
    )


def resolve_latent_shape(generator, latent_dim, model="GAN"):
    """The shape of one latent vector: `latent_dim`, or the generator's first input."""
    inputs = getattr(generator, "inputs", None)
    declared = tuple(inputs[0].shape[1:]) if inputs else None
    if latent_dim is None:
        if declared is None or any(d is None for d in declared):
            raise ValueError(
                f"{model} could not read the latent shape from the generator's "
                "inputs; pass latent_dim (an int or a shape tuple)."
            )
        return declared
    shape = (
        (int(latent_dim),)
        if np.isscalar(latent_dim)
        else tuple(int(d) for d in latent_dim)
    )
    if any(d <= 0 for d in shape):
        raise ValueError(
            f"latent_dim must be positive. Received: latent_dim={latent_dim}"
        )
    if declared is not None and not compatible(declared, shape):
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator's input "
            f"shape {shape_str((None, *declared))}."
        )
    return shape


def check_generated_fits(fake, discriminator, pack=1):
    """Raise unless the generator's output spec fits the discriminator's (first) input."""
    if isinstance(fake, (list, tuple)):
        raise ValueError("The generator must return a single tensor.")
    d_inputs = getattr(discriminator, "inputs", None)
    expected = tuple(d_inputs[0].shape) if d_inputs else None
    if expected is not None and not compatible(expected, tuple(fake.shape)):
        packed = (
            f" packed {pack} samples at a time (pack={pack}: the "
            "discriminator must take pack times the channels, e.g. "
            "dcgan_discriminator(..., pack=pack))"
            if pack > 1
            else ""
        )
        raise ValueError(
            f"The generator's output shape{packed} {shape_str(fake.shape)} "
            "does not match the discriminator's input shape "
            f"{shape_str(expected)}."
        )


def check_network_types(model, **networks):
    for role, net in networks.items():
        if not isinstance(net, keras.layers.Layer):
            raise ValueError(
                f"{model} {role} must be a Keras model or layer. Received: "
                f"{role}={net!r} of type {type(net).__name__}."
            )


def check_latent_distribution(latent_distribution):
    if latent_distribution not in LATENT_DISTRIBUTIONS:
        raise ValueError(
            "latent_distribution must be one of "
            f"{', '.join(LATENT_DISTRIBUTIONS)}. Received: "
            f"latent_distribution={latent_distribution!r}"
        )


@keras_gan_export()
class GAN(AdversarialModel):
    """Generative adversarial network trained with plain `model.fit`.

    `fit` runs Keras' own loop (progress bar, callbacks, checkpoints,
    distribution strategies); each step makes `d_steps` discriminator updates
    on the real batch (or each on its own, with
    `compile(fresh_real_batches=True)`), each with fresh latent vectors, then
    one generator update. The logs hold `d_loss` and `g_loss` (the adversarial losses),
    each penalty under its own name, `real_score` and `fake_score` (the mean
    raw discriminator output on real and generated data in the last
    discriminator update), and `loss`, the sum of both networks' objectives,
    which Keras callbacks that watch `loss` (`TerminateOnNaN`) use; it is
    not a measure of progress.

    Real data can be numpy arrays, a `tf.data.Dataset`, a
    `keras.utils.PyDataset` or a generator. Batches that carry labels,
    `(x, y)`, are accepted and the labels ignored. Images must be floats in
    `data_range` ([-1, 1] by default, the range of a tanh generator); `fit`
    checks arrays whole and datasets on their first batch, and rejects
    integer or out-of-range data with a message that says how to rescale.

    Args:
        generator: A Keras model mapping latent vectors to samples.
        discriminator: A Keras model mapping samples to logits (or critic
            scores), any shape per sample; losses average over all of them.
        latent_dim: Int or tuple, the shape of one latent vector. Defaults to
            the generator's input shape.
        latent_distribution: `"normal"` (standard normal) or `"uniform"`
            (uniform on [-1, 1]).
        seed: Int or None, seeds the model's `keras.random.SeedGenerator`
            (latent vectors and penalty interpolations).
        data_range: `(low, high)` range that real data must lie in, or None
            to skip the check (e.g. for 2-D toy data).
        ema_decay: None, or a float in [0, 1) (e.g. 0.999): keep
            `ema_generator`, an exponential moving average of the generator's
            weights, and sample from it (see `AdversarialModel`).
        ema_start: Generator updates before the average starts (the copy
            equals the generator until then).
        augment: None, or an augmentation layer applied to real and
            generated samples before the discriminator (`DiffAugment`,
            `AdaptiveAugment`; see `AdversarialModel`).
        pack: Int >= 1, PacGAN packing (Lin et al. 2018): the
            discriminator judges `pack` samples at once, concatenated along
            the last axis (channels of images, features of vectors), so its
            input has `pack` times the channels (`dcgan_discriminator(...,
            pack=m)` and the other reference discriminators take it). Real
            and generated batches are packed alike, after augmentation;
            losses and penalties see packed samples. Batches must hold at
            least `pack` samples; the last `n % pack` samples of a batch
            are not used.
        **kwargs: Passed to `keras.Model` (`name`, ...).

    Example:

    ```python
    import keras
    import keras_gan_layers as kgl

    images = kgl.datasets.load_digits()  # (1797, 8, 8, 1) in [-1, 1]
    gan = kgl.GAN(
        kgl.architectures.dcgan_generator(64, (8, 8, 1)),
        kgl.architectures.dcgan_discriminator((8, 8, 1)),
        seed=0,
    )
    gan.compile(loss="bce")  # Adam(2e-4, beta_1=0.5) for both networks
    gan.fit(images, batch_size=64, epochs=5)
    samples = gan.generate(16, seed=1)  # numpy, (16, 8, 8, 1)
    close = gan.generate(16, seed=1, truncation=0.5)  # truncation trick
    ```

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    - PacGAN: [Lin et al., 2018](https://arxiv.org/abs/1712.04086)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        latent_distribution="normal",
        seed=None,
        data_range=(-1.0, 1.0),
        ema_decay=None,
        ema_start=0,
        augment=None,
        pack=1,
        **kwargs,
    ):
        check_network_types("GAN", generator=generator, discriminator=discriminator)
        check_latent_distribution(latent_distribution)
        pack = check_pack(pack)
        super().__init__(
            seed=seed,
            data_range=data_range,
            ema_decay=ema_decay,
            ema_start=ema_start,
            augment=augment,
            **kwargs,
        )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_shape = resolve_latent_shape(generator, latent_dim)
        self.latent_distribution = latent_distribution
        self.pack = pack
        self._check_networks()
        self.setup_ema()
        self.built = True

    def _check_networks(self):
        latent = keras.KerasTensor((None, *self.latent_shape))
        try:
            fake = self.generator.compute_output_spec(latent)
        except Exception as e:  # the generator cannot take these latents
            raise ValueError(
                "The generator cannot be called on latent vectors of shape "
                f"{shape_str(latent.shape)}: {e}"
            ) from e
        self.check_augment(fake)
        if self.pack > 1:
            fake = keras.KerasTensor(
                (None, *fake.shape[1:-1], fake.shape[-1] * self.pack)
            )
        check_generated_fits(fake, self.discriminator, self.pack)
        try:
            self.discriminator.compute_output_spec(fake)
        except Exception as e:
            raise ValueError(
                f"The generator's output shape {shape_str(fake.shape)} does "
                f"not fit the discriminator: {e}"
            ) from e

    # --------------------------------------------------------------- sampling
    def call(self, latents, training=None):
        """Generator output for the latent vectors `latents`."""
        return self.generator(latents, training=training)

    def generate(self, num_samples, seed=None, batch_size=256, truncation=None):
        """Generate `num_samples` samples in inference mode.

        Uses `ema_generator` when the model keeps an EMA (`ema_decay`),
        else `generator`. Latent vectors are drawn with numpy: an integer
        `seed` gives the same vectors on every backend and as
        `ImageSnapshot`/`GANEvaluation`/`keras-gan sample` with that seed;
        generating never moves the training stream.

        Args:
            num_samples: Number of samples.
            seed: Int for repeatable samples, None for fresh ones.
            batch_size: Samples per generator call.
            truncation: None, or psi > 0 for BigGAN's truncation trick: each
                latent component of magnitude above psi is redrawn, so the
                latents follow a normal truncated to [-psi, psi] (smaller psi:
                higher fidelity, less variety). Normal latents only.

        Returns:
            A numpy array of shape `(num_samples, *sample_shape)`, in the
            generator's output range ([-1, 1] for the reference networks).

        Raises:
            ValueError: `num_samples < 1`, a bad `truncation`.
        """
        latents = self.generation_latents(num_samples, seed, truncation)
        return generate_numpy(self.sampling_generator, latents, batch_size)

    # ----------------------------------------------- the step's protocol
    def unpack_real(self, data):
        """Real samples from a batch (`x`, `(x,)` or `(x, y[, w])`)."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(x, (dict, list, tuple)):
            raise ValueError(
                "GAN expects each batch to be a tensor of real samples (or a "
                f"(samples, labels) tuple). Received: {type(x).__name__}."
            )
        return x

    def compute_discriminator_loss(self, data, training=True):
        """Discriminator objective for one batch, with fresh latent vectors.

        Returns:
            `(total, logs)`: `total` is the adversarial loss plus all
            penalties (what the discriminator minimises); `logs` holds
            `d_loss`, each penalty, `real_score` and `fake_score`.
        """
        real = self.unpack_real(data)
        latents = self.sample_latents(ops.shape(real)[0])
        fake = ops.stop_gradient(self.generator(latents, training=training))
        real = self.discriminator_input(real, training)
        fake = self.discriminator_input(fake, training)
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        view = DiscriminatorView(
            self.discriminator, training=None if training else False
        )
        total, logs = self.adversarial_terms(real_logits, fake_logits, real, fake, view)
        self.observe_real_logits(real_logits, logs, training)
        return total, logs

    def discriminator_input(self, samples, training=True):
        """Samples as the discriminator sees them: augmented, then packed."""
        return pack_samples(self.augmented(samples, training), self.pack)

    def compute_generator_loss(self, data, training=True):
        """Generator objective for one batch: `(g_loss, {"g_loss": g_loss})`."""
        real = self.unpack_real(data)
        latents = self.sample_latents(ops.shape(real)[0])
        fake = self.generator(latents, training=training)
        fake_logits = self.discriminator(
            self.discriminator_input(fake, training), training=training
        )
        real_logits = None
        if self.loss_fn.requires_real_logits_for_generator:
            real_logits = self.discriminator(
                self.discriminator_input(real, training), training=training
            )
        g_loss = self.loss_fn.generator_loss(fake_logits, real_logits)
        return g_loss, {"g_loss": g_loss}

    def check_training_data(self, x, y, what="images"):
        """Reject integer, non-finite or out-of-`data_range` images before training."""
        return check_real_data(x, self.data_range, what), y

    # ---------------------------------------------------------------- config
    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": list(self.latent_shape),
            "latent_distribution": self.latent_distribution,
            "pack": self.pack,
        }
