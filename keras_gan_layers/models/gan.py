"""`GAN`: a `keras.Model` whose `fit` trains a generator against a discriminator."""

import types

import keras
import numpy as np
from keras import ops

from keras_gan_layers import losses as losses_module
from keras_gan_layers import penalties as penalties_module
from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.backend import backend_module
from keras_gan_layers.models.data_checks import check_real_data
from keras_gan_layers.models.nonfinite_guard import NonFiniteGuard
from keras_gan_layers.models.optimizer_pair import OptimizerPair

LATENT_DISTRIBUTIONS = ("normal", "uniform")
ON_NONFINITE = ("raise", "stop")


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _compatible(a, b):
    return len(a) == len(b) and all(
        x is None or y is None or x == y for x, y in zip(a, b)
    )


def _default_optimizer():
    # Radford et al. (DCGAN): Adam, learning rate 2e-4, beta_1 = 0.5.
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


@keras_gan_export()
class GAN(keras.Model):
    """Generative adversarial network trained with plain `model.fit`.

    `fit` runs Keras' own loop (progress bar, callbacks, checkpoints,
    distribution strategies); each step makes `d_steps` discriminator updates
    on the real batch, each with fresh latent vectors, then one generator
    update. The logs hold `d_loss` and `g_loss` (the adversarial losses),
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
    ```

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        latent_distribution="normal",
        seed=None,
        data_range=(-1.0, 1.0),
        **kwargs,
    ):
        super().__init__(**kwargs)
        for role, net in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(net, keras.layers.Layer):
                raise ValueError(
                    f"GAN {role} must be a Keras model or layer. Received: "
                    f"{role}={net!r} of type {type(net).__name__}."
                )
        if latent_distribution not in LATENT_DISTRIBUTIONS:
            raise ValueError(
                "latent_distribution must be one of "
                f"{', '.join(LATENT_DISTRIBUTIONS)}. Received: "
                f"latent_distribution={latent_distribution!r}"
            )
        if data_range is not None:
            data_range = tuple(float(v) for v in data_range)
            if len(data_range) != 2 or not data_range[0] < data_range[1]:
                raise ValueError(
                    "data_range must be (low, high) with low < high, or None. "
                    f"Received: data_range={data_range}"
                )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_shape = self._resolve_latent_shape(generator, latent_dim)
        self.latent_distribution = latent_distribution
        self.seed = seed
        self.data_range = data_range
        self.seed_generator = keras.random.SeedGenerator(seed, name="gan_seed")
        self._check_networks()
        self.built = True

    # ------------------------------------------------------------------ setup
    @staticmethod
    def _resolve_latent_shape(generator, latent_dim):
        inputs = getattr(generator, "inputs", None)
        declared = tuple(inputs[0].shape[1:]) if inputs else None
        if latent_dim is None:
            if declared is None or any(d is None for d in declared):
                raise ValueError(
                    "GAN could not read the latent shape from the generator's "
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
        if declared is not None and not _compatible(declared, shape):
            raise ValueError(
                f"latent_dim={latent_dim} does not match the generator's input "
                f"shape {_shape_str((None, *declared))}."
            )
        return shape

    def _check_networks(self):
        latent = keras.KerasTensor((None, *self.latent_shape))
        try:
            fake = self.generator.compute_output_spec(latent)
        except Exception as e:  # the generator cannot take these latents
            raise ValueError(
                "The generator cannot be called on latent vectors of shape "
                f"{_shape_str(latent.shape)}: {e}"
            ) from e
        if isinstance(fake, (list, tuple)):
            raise ValueError("The generator must return a single tensor.")
        d_inputs = getattr(self.discriminator, "inputs", None)
        expected = tuple(d_inputs[0].shape) if d_inputs else None
        if expected is not None and not _compatible(expected, tuple(fake.shape)):
            raise ValueError(
                f"The generator's output shape {_shape_str(fake.shape)} does "
                "not match the discriminator's input shape "
                f"{_shape_str(expected)}."
            )
        try:
            self.discriminator.compute_output_spec(fake)
        except Exception as e:
            raise ValueError(
                f"The generator's output shape {_shape_str(fake.shape)} does "
                f"not fit the discriminator: {e}"
            ) from e

    def compile(
        self,
        d_optimizer=None,
        g_optimizer=None,
        loss="bce",
        penalties=(),
        d_steps=1,
        on_nonfinite="raise",
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configure the GAN for training.

        Args:
            d_optimizer: Discriminator optimizer (instance, name or config).
                Defaults to `Adam(learning_rate=2e-4, beta_1=0.5)` (DCGAN).
            g_optimizer: Generator optimizer, same forms and default. Must be
                a different object from `d_optimizer`.
            loss: A `GANLoss`, an alias (`"bce"`, `"minimax"`, `"lsgan"`,
                `"wgan"`, `"hinge"`, `"ragan"`) or a config dict.
            penalties: Sequence of `Penalty` objects or aliases (`"gp"`,
                `"r1"`, `"r2"`, `"dragan"`) added to the discriminator loss.
            d_steps: Discriminator updates per generator update (5 for
                WGAN-GP). Each uses the same real batch and fresh latents.
            on_nonfinite: `"raise"` (default) raises `NonFiniteLossError`
                naming the first NaN/inf loss; `"stop"` prints the same
                message and stops training gracefully, like
                `keras.callbacks.TerminateOnNaN`.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss:
                As in `keras.Model.compile`.

        Raises:
            ValueError: unknown loss or penalty, `d_steps < 1`, duplicate
                penalty names, one optimizer object for both networks.
            NotImplementedError: the active Keras backend has no GAN step.
        """
        backend_module()  # fail now, not at the first step, on other backends
        d_optimizer = (
            keras.optimizers.get(d_optimizer)
            if d_optimizer is not None
            else _default_optimizer()
        )
        g_optimizer = (
            keras.optimizers.get(g_optimizer)
            if g_optimizer is not None
            else _default_optimizer()
        )
        if d_optimizer is g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer must be two different optimizer "
                "objects: each keeps state for its own network's weights."
            )
        if isinstance(d_steps, bool) or int(d_steps) != d_steps or d_steps < 1:
            raise ValueError(
                f"d_steps must be an integer >= 1. Received: d_steps={d_steps}"
            )
        if on_nonfinite not in ON_NONFINITE:
            raise ValueError(
                f"on_nonfinite must be one of {', '.join(ON_NONFINITE)}. "
                f"Received: on_nonfinite={on_nonfinite!r}"
            )
        loss_obj = losses_module.get(loss)
        if isinstance(penalties, (str, dict, penalties_module.Penalty)):
            penalties = [penalties]
        penalty_objs = [penalties_module.get(p) for p in penalties]
        names = [p.name for p in penalty_objs]
        reserved = {"loss", "d_loss", "g_loss", "real_score", "fake_score"}
        clash = sorted({n for n in names if names.count(n) > 1 or n in reserved})
        if clash:
            raise ValueError(
                f"Penalty names must be unique and differ from {sorted(reserved)}"
                f"; they are log keys. Clashing: {clash}. Pass name=... to the "
                "penalties."
            )
        super().compile(
            optimizer=None,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
            auto_scale_loss=auto_scale_loss,
        )
        if auto_scale_loss and self.dtype_policy.name == "mixed_float16":
            d_optimizer = _loss_scaled(d_optimizer)
            g_optimizer = _loss_scaled(g_optimizer)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.optimizer = OptimizerPair(self, d_optimizer, g_optimizer)
        # Both networks are built, so the optimizer state can exist now: then
        # load_weights() restores it too (keras-tuner's get_best_models does).
        self.optimizer.build()
        self.loss_fn = loss_obj
        self.penalties = penalty_objs
        self.d_steps = int(d_steps)
        self.on_nonfinite = on_nonfinite
        self._trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ["d_loss", "g_loss", *names, "real_score", "fake_score"]
        }
        # Serialized when saving, not now: serializing can import TensorFlow.
        self._gan_compile_args = _Untracked(
            **{
                "d_optimizer": d_optimizer,
                "g_optimizer": g_optimizer,
                "loss": loss_obj,
                "penalties": penalty_objs,
                "d_steps": self.d_steps,
                "on_nonfinite": on_nonfinite,
                "run_eagerly": run_eagerly,
                "steps_per_execution": steps_per_execution,
                "jit_compile": jit_compile,
                "auto_scale_loss": auto_scale_loss,
            }
        )

    def get_compile_config(self):
        if self.compiled and hasattr(self, "_gan_compile_args"):
            return keras.saving.serialize_keras_object(vars(self._gan_compile_args))
        return {}

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        if "jit_compile" in config and config["jit_compile"] not in (True, False):
            config["jit_compile"] = "auto"
        self.compile(**config)
        self.optimizer.build()

    @property
    def metrics(self):
        if not self.compiled or not hasattr(self, "_trackers"):
            return []
        return [self._loss_tracker, *self._trackers.values()]

    # --------------------------------------------------------------- sampling
    def sample_latents(self, batch_size, seed=None):
        """Latent vectors, shape `(batch_size, *latent_shape)`.

        Args:
            batch_size: Number of vectors (int or scalar tensor).
            seed: None uses the model's `SeedGenerator` (advancing it); an
                int gives the same vectors on every call.
        """
        shape = (batch_size, *self.latent_shape)
        seed = self.seed_generator if seed is None else seed
        if self.latent_distribution == "uniform":
            return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
        return keras.random.normal(shape, seed=seed)

    def call(self, latents, training=None):
        """Generator output for the latent vectors `latents`."""
        return self.generator(latents, training=training)

    def generate(self, num_samples, seed=None, batch_size=256):
        """Generate `num_samples` samples in inference mode.

        Args:
            num_samples: Number of samples.
            seed: Int for repeatable samples, None for fresh ones.
            batch_size: Samples per generator call.

        Returns:
            A numpy array of shape `(num_samples, *sample_shape)`, in the
            generator's output range ([-1, 1] for the reference networks).
        """
        num_samples = int(num_samples)
        if num_samples < 1:
            raise ValueError(
                f"num_samples must be >= 1. Received: num_samples={num_samples}"
            )
        latents = self.sample_latents(num_samples, seed=seed)
        chunks = [
            ops.convert_to_numpy(
                self.generator(latents[i : i + batch_size], training=False)
            )
            for i in range(0, num_samples, batch_size)
        ]
        return np.concatenate(chunks, axis=0)

    # ---------------------------------------------- losses, for backend steps
    def unpack_real(self, data):
        """Real samples from a batch (`x`, `(x,)` or `(x, y[, w])`)."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(x, (dict, list, tuple)):
            raise ValueError(
                "GAN expects each batch to be a tensor of real samples (or a "
                f"(samples, labels) tuple). Received: {type(x).__name__}."
            )
        return x

    def compute_discriminator_loss(self, real, latents, training=True):
        """Discriminator objective and its log entries.

        Returns:
            `(total, logs)`: `total` is the adversarial loss plus all
            penalties (what the discriminator minimises); `logs` holds
            `d_loss`, each penalty, `real_score` and `fake_score`.
        """
        fake = ops.stop_gradient(self.generator(latents, training=training))
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        d_loss = self.loss_fn.discriminator_loss(real_logits, fake_logits)
        logs = {"d_loss": d_loss}
        total = d_loss
        if self.penalties:
            disc = self.discriminator
            if not training:

                def disc(x, training=None):  # noqa: E306 - inference-mode view
                    return self.discriminator(x, training=False)

            for penalty in self.penalties:
                value = penalty(disc, real, fake, seed=self.seed_generator)
                logs[penalty.name] = value
                total = total + value
        logs["real_score"] = ops.mean(ops.cast(real_logits, "float32"))
        logs["fake_score"] = ops.mean(ops.cast(fake_logits, "float32"))
        return total, logs

    def compute_generator_loss(self, real, latents, training=True):
        """The generator's adversarial loss (a scalar)."""
        fake = self.generator(latents, training=training)
        fake_logits = self.discriminator(fake, training=training)
        real_logits = None
        if self.loss_fn.requires_real_logits_for_generator:
            real_logits = self.discriminator(real, training=training)
        return self.loss_fn.generator_loss(fake_logits, real_logits)

    def update_metrics(self, d_logs, g_loss):
        """Update the trackers; return the logs `fit` shows."""
        total = g_loss
        for name, value in d_logs.items():
            self._trackers[name].update_state(value)
            if name not in ("real_score", "fake_score"):
                total = total + value
        self._trackers["g_loss"].update_state(g_loss)
        self._loss_tracker.update_state(total)
        return {m.name: m.result() for m in self.metrics}

    # ----------------------------------------------------------- Keras hooks
    def compute_evaluation_losses(self, real):
        """Discriminator logs and generator loss in inference mode."""
        batch_size = ops.shape(real)[0]
        _, d_logs = self.compute_discriminator_loss(
            real, self.sample_latents(batch_size), training=False
        )
        g_loss = self.compute_generator_loss(
            real, self.sample_latents(batch_size), training=False
        )
        return d_logs, g_loss

    def train_step(self, *args):
        # `data` on TensorFlow and PyTorch, `state, data` on JAX.
        return backend_module().train_step(self, *args)

    def test_step(self, *args):
        return backend_module().test_step(self, *args)

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train with Keras' `fit` loop; arguments as in `keras.Model.fit`.

        `y` (labels) is accepted and ignored. The real data is checked
        against `data_range` before training starts.
        """
        if not self.compiled:
            raise ValueError(
                "GAN.fit() was called before GAN.compile(). Call "
                "gan.compile(d_optimizer=..., g_optimizer=..., loss=...) "
                "first."
            )
        x = check_real_data(x, self.data_range)
        if validation_data is not None:
            validation_data = check_real_data(
                validation_data, self.data_range, "validation images"
            )
        callbacks = list(callbacks or []) + [NonFiniteGuard(self.on_nonfinite)]
        return super().fit(
            x=x,
            y=y,
            batch_size=batch_size,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            validation_data=validation_data,
            shuffle=shuffle,
            class_weight=class_weight,
            sample_weight=sample_weight,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_batch_size=validation_batch_size,
            validation_freq=validation_freq,
        )

    # ---------------------------------------------------------------- config
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": list(self.latent_shape),
            "latent_distribution": self.latent_distribution,
            "seed": self.seed,
            "data_range": None if self.data_range is None else list(self.data_range),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def _loss_scaled(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


class _InferenceView:
    """Calls a network in inference mode whatever `training` it is given."""

    def __init__(self, network):
        self.network = network
        self.variables = network.variables

    def __call__(self, x, training=None):
        return self.network(x, training=False)


class _Untracked(types.SimpleNamespace):
    """Holds objects Keras must not track or save as the model's state."""
