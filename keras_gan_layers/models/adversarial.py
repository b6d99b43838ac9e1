"""`AdversarialModel`: what every two-player model of the package shares.

The backend steps (`keras_gan_layers/backend/`) train any subclass through
a small protocol and know nothing else about it:

| member | meaning |
| --- | --- |
| `discriminator_variables`, `generator_variables` | what each optimizer updates |
| `compute_discriminator_loss(data, training=True) -> (total, logs)` | the discriminator's objective |
| `compute_generator_loss(data, training=True) -> (total, logs)` | the generator's objective |
| `after_generator_update()` | state updated once per step (generator EMA) |
| `d_steps` | discriminator updates per generator update |

This class owns `compile` (two optimizers, adversarial loss, penalties,
`d_steps`, the non-finite policy), the trackers and logs, the checks of the
training data, `fit`, the generator EMA and the saving of compile state. A
model family implements its networks, its losses and its sampling.
"""

import contextlib
import numbers
import types
import warnings

import keras
from keras import ops

from keras_gan_layers import losses as losses_module
from keras_gan_layers import penalties as penalties_module
from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.backend import backend_module
from keras_gan_layers.models.batching import group_batches
from keras_gan_layers.models.nonfinite_guard import NonFiniteGuard
from keras_gan_layers.models.optimizer_pair import OptimizerPair

ON_NONFINITE = ("raise", "stop")


def _default_optimizer():
    # Radford et al. (DCGAN): Adam, learning rate 2e-4, beta_1 = 0.5.
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


def _is_real(value):
    """A real number (int, float, numpy scalar), not a bool or a string."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _optimizer(value, role):
    """`keras.optimizers.get(value)`, or the DCGAN default for None."""
    if value is None:
        return _default_optimizer()
    try:
        return keras.optimizers.get(value)
    except ValueError as e:
        raise ValueError(
            f"{role} must be a keras.optimizers.Optimizer, its name (e.g. "
            "'adam', 'sgd', 'rmsprop', 'adamw') or its config. Received: "
            f"{role}={value!r} ({e})"
        ) from None


def _loss_scaled(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


class DiscriminatorView:
    """A discriminator as penalties see it: `view(x, training=None)`.

    Penalties differentiate `view(x)` with respect to `x`; this object fixes
    everything else the network needs: the mode (`training` forced to a
    value, e.g. False in evaluation), extra inputs (a conditional model's
    labels) and which output is the adversarial one (an auxiliary-classifier
    discriminator has two). `variables` are the network's: the input
    gradient reads their current values and discards what the call assigns
    (batch statistics, spectral-normalization vectors). `loss_scale` is the
    discriminator optimizer's dynamic loss scale under `mixed_float16` (set
    by `AdversarialModel.adversarial_terms`), which the input gradient is
    scaled by; None otherwise.

    Args:
        network: The discriminator.
        call: Function `(network, x, training) -> logits`; defaults to
            `network(x, training=training)`.
        training: None keeps the caller's `training`; a bool forces it.
        loss_scale: None, or a positive scalar scaling the input gradient.
    """

    def __init__(self, network, call=None, training=None, loss_scale=None):
        self.network = network
        self.variables = network.variables
        self._call = call or (lambda net, x, training: net(x, training=training))
        self._training = training
        self.loss_scale = loss_scale

    def __call__(self, x, training=None):
        if self._training is not None:
            training = self._training
        return self._call(self.network, x, training)


@keras_gan_export()
class AdversarialModel(keras.Model):
    """Base class of the package's models: a two-player game trained by `fit`.

    `fit` runs Keras' own loop; each training step makes `d_steps`
    discriminator updates, then one generator update, then calls
    `after_generator_update()`. The step itself lives in
    `keras_gan_layers/backend/` and only uses the protocol below, so a new
    model family subclasses this class and implements:

    - `compute_discriminator_loss(data, training=True) -> (total, logs)` and
      `compute_generator_loss(data, training=True) -> (total, logs)`:
      `data` is the batch as `fit` yields it; `total` is the scalar the
      player minimises; `logs` maps log keys (declared by `log_names()`) to
      scalars. Randomness comes from `self.seed_generator`.
    - `discriminator_variables` / `generator_variables` if the players are
      not `self.discriminator` / `self.generator` (CycleGAN's two of each).
    - `log_names()` if the logs hold more than the GAN keys.

    `compile` takes two optimizers, a `GANLoss` and penalties; the logs hold
    every key of `log_names()` and `loss`, the sum of both players'
    objectives (what `TerminateOnNaN` watches; not a measure of progress).

    With `ema_decay`, a copy of the generator (`ema_generator`, not
    trainable) follows an exponential moving average of its weights,
    `ema = decay * ema + (1 - decay) * w`, after every generator update
    (Karras et al. 2018; Yazici et al. 2019); batch-normalization statistics
    and other non-trainable weights are copied. For the first `ema_start`
    generator updates the copy equals the generator (BigGAN starts the
    average after 20k steps). `generate` and the callbacks sample from it.

    The state of every random generator a run draws from (the model's
    `seed_generator`, dropout layers') is saved with the weights
    (`random_generators()`), so `keras.callbacks.BackupAndRestore` and
    `load_weights` continue the same streams.

    Args:
        seed: Int or None, seeds the model's `keras.random.SeedGenerator`
            (latent vectors, labels, penalty interpolations).
        data_range: `(low, high)` range that real data must lie in, or None
            to skip the check.
        ema_decay: None (no EMA) or a float in [0, 1), e.g. 0.999.
        ema_start: Generator updates before the average starts.
        augment: None, or a Keras layer applied to every image the
            discriminator sees in training, real and generated alike,
            inside the step so that gradients flow through it to the
            generator: `keras_gan_layers.layers.DiffAugment` (Zhao et al.
            2020) or `AdaptiveAugment` (ADA, Karras et al. 2020; the model
            feeds it the real logits and logs its probability as `ada_p`).
            Penalties see the augmented images. Saved with the model,
            state included.
        **kwargs: Passed to `keras.Model` (`name`, ...).

    Raises:
        ValueError: `data_range` not `(low, high)` with low < high;
            `ema_decay` outside [0, 1); `ema_start < 0`; `augment` not a
            layer.

    Example:

    ```python
    class MyGAN(AdversarialModel):
        def __init__(self, generator, discriminator, **kwargs):
            super().__init__(**kwargs)
            self.generator, self.discriminator = generator, discriminator
            self.setup_ema()

        def compute_discriminator_loss(self, data, training=True):
            ...
    ```

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    - EMA of generator weights: [Karras et al., 2018](https://arxiv.org/abs/1710.10196),
      [Yazici et al., 2019](https://arxiv.org/abs/1806.04498)
    """

    #: Constructor arguments that are Keras models: serialized by
    #: `get_config` and deserialized by `from_config`.
    network_arguments = ("generator", "discriminator")

    def __init__(
        self,
        seed=None,
        data_range=(-1.0, 1.0),
        ema_decay=None,
        ema_start=0,
        augment=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if augment is not None and not (
            isinstance(augment, keras.layers.Layer) and callable(augment)
        ):
            raise ValueError(
                "augment must be None or a Keras layer applied to every image "
                "the discriminator sees, e.g. keras_gan_layers.layers."
                "DiffAugment() or AdaptiveAugment(). Received: "
                f"augment={augment!r} of type {type(augment).__name__}."
            )
        if data_range is not None:
            try:
                data_range = tuple(float(v) for v in data_range)
                valid = len(data_range) == 2 and data_range[0] < data_range[1]
            except (TypeError, ValueError):
                valid = False
            if isinstance(data_range, str) or not valid:
                raise ValueError(
                    "data_range must be (low, high) with low < high, or None. "
                    f"Received: data_range={data_range!r}"
                )
        if ema_decay is not None:
            if not _is_real(ema_decay) or not 0.0 <= float(ema_decay) < 1.0:
                raise ValueError(
                    "ema_decay must be None (no EMA) or a float in [0, 1), "
                    f"e.g. 0.999. Received: ema_decay={ema_decay!r}"
                )
            ema_decay = float(ema_decay)
        if (
            not _is_real(ema_start)
            or int(ema_start) != ema_start
            or not 0 <= ema_start < 2**62
        ):
            raise ValueError(
                "ema_start must be an integer >= 0 (and below 2**62). "
                f"Received: ema_start={ema_start!r}"
            )
        self.seed = seed
        self.data_range = data_range
        self.ema_decay = ema_decay
        self.ema_start = int(ema_start)
        self.ema_generator = None
        self.augment = augment
        self.seed_generator = keras.random.SeedGenerator(seed, name="gan_seed")

    # ------------------------------------------------------------------ EMA
    def setup_ema(self):
        """Create `ema_generator` (a copy of `self.generator`) if `ema_decay` is set.

        Subclasses call it at the end of `__init__`, once `self.generator`
        exists.
        """
        if self.ema_decay is None:
            return
        try:
            ema = keras.models.clone_model(self.generator)
        except Exception as e:
            raise ValueError(
                "ema_decay needs a generator that keras.models.clone_model can "
                "copy (a functional or Sequential model, or a subclassed model "
                f"with get_config/from_config): {e}"
            ) from e
        if not ema.built:
            raise ValueError(
                "ema_decay needs a built generator (call it once or give it an "
                "Input) so that its weights can be copied."
            )
        ema.set_weights(self.generator.get_weights())
        ema.trainable = False
        ema.name = f"ema_{self.generator.name}"
        self.ema_generator = ema

    @property
    def sampling_generator(self):
        """The generator `generate` and the callbacks use: the EMA copy if any."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def after_generator_update(self):
        """Update the generator EMA (called by the step after each generator update)."""
        if self.ema_generator is None:
            return
        decay = ops.convert_to_tensor(self.ema_decay, "float32")
        if self.ema_start:
            started = ops.greater(self.g_optimizer.iterations, self.ema_start)
            decay = ops.where(started, decay, ops.zeros_like(decay))
        # The copy is not trainable, so pair the weights by position (clones
        # list them in the same order): average what the generator trains,
        # copy the rest (batch-norm statistics).
        for ema, w in zip(self.ema_generator.weights, self.generator.weights):
            if w.trainable:
                d = ops.cast(decay, ema.dtype)
                ema.assign(d * ema + (1.0 - d) * ops.cast(w, ema.dtype))
            else:
                ema.assign(w)

    def sample_latents(self, batch_size, seed=None):
        """Latent vectors for training, shape `(batch_size, *latent_shape)`.

        For models with a latent space (`latent_shape`, `latent_distribution`:
        standard normal, or uniform on [-1, 1]).

        Args:
            batch_size: Number of vectors (int or scalar tensor).
            seed: None uses the model's `SeedGenerator` (advancing it; what
                the training step does); an int gives the same vectors on
                every call.
        """
        shape = (batch_size, *self.latent_shape)
        seed = self.seed_generator if seed is None else seed
        if self.latent_distribution == "uniform":
            return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
        return keras.random.normal(shape, seed=seed)

    def generation_latents(self, num_samples, seed=None, truncation=None):
        """Latent vectors for `generate`: numpy, from `seed` (see `GAN.generate`)."""
        from keras_gan_layers.utils.sampling import latent_vectors

        num_samples = int(num_samples)
        if num_samples < 1:
            raise ValueError(
                f"num_samples must be >= 1. Received: num_samples={num_samples}"
            )
        return latent_vectors(
            self.latent_shape,
            num_samples,
            seed,
            self.latent_distribution,
            truncation,
        )

    # ----------------------------------------------------------- augmentation
    @property
    def adaptive_augment(self):
        """True when `augment` adapts its strength (has `p` and `update`, as ADA)."""
        return hasattr(self.augment, "update") and hasattr(self.augment, "p")

    def check_augment(self, samples):
        """Build `augment` for generated `samples` (a spec); it must keep their shape."""
        if self.augment is None:
            return
        try:
            out = self.augment.compute_output_spec(samples)
            if not self.augment.built:
                self.augment.build(samples.shape)
        except Exception as e:
            raise ValueError(
                f"augment ({type(self.augment).__name__}) cannot be applied to "
                f"the generated samples of shape {tuple(samples.shape)}: {e}"
            ) from e
        if tuple(out.shape) != tuple(samples.shape):
            raise ValueError(
                f"augment ({type(self.augment).__name__}) must keep the shape "
                f"of the samples, {tuple(samples.shape)}; it returns "
                f"{tuple(out.shape)}."
            )

    def augmented(self, images, training=True):
        """`images` as the discriminator sees them: through `augment` if set.

        Applied to real and generated images alike, in both players'
        objectives, inside the step, so the generator's gradient flows
        through the augmentation (Zhao et al. 2020; Karras et al. 2020).
        Augmentation layers are the identity with `training=False`.
        """
        if self.augment is None:
            return images
        return self.augment(images, training=training)

    def observe_real_logits(self, real_logits, logs, training=True):
        """Feed ADA's overfitting heuristic; log its probability as `ada_p`.

        Called by the discriminator objective with the logits on the
        (augmented) real batch; a no-op without an adaptive `augment`.
        """
        if not self.adaptive_augment:
            return
        if training:
            self.augment.update(real_logits)
        logs["ada_p"] = ops.cast(ops.convert_to_tensor(self.augment.p), "float32")

    # --------------------------------------------------------------- protocol
    @property
    def discriminator_variables(self):
        """Trainable variables the discriminator optimizer updates."""
        return self.discriminator.trainable_variables

    @property
    def generator_variables(self):
        """Trainable variables the generator optimizer updates."""
        return self.generator.trainable_variables

    def compute_discriminator_loss(self, data, training=True):
        """`(total, logs)`: the discriminator's objective for one batch."""
        raise NotImplementedError

    def compute_generator_loss(self, data, training=True):
        """`(total, logs)`: the generator's objective for one batch."""
        raise NotImplementedError

    def discriminator_batches(self, data):
        """The `d_steps` batches the discriminator updates of one step use.

        `data` as `fit` yields it; the same batch `d_steps` times, or with
        `fresh_real_batches` its `d_steps` equal parts along the batch axis.
        """
        if not self.fresh_real_batches or self.d_steps == 1:
            return [data] * self.d_steps
        return [self._part(data, i) for i in range(self.d_steps)]

    def generator_batch(self, data):
        """The batch the generator update uses: the last discriminator batch."""
        if not self.fresh_real_batches or self.d_steps == 1:
            return data
        return self._part(data, self.d_steps - 1)

    def _part(self, data, i):
        # n samples in d parts: the first n % d parts get one more sample
        # (n = 8, d = 3: 3, 3, 2); with fewer samples than parts, part i is
        # sample i % n.
        d = self.d_steps

        def part(t):
            n = ops.shape(t)[0]
            if isinstance(n, int):  # static: JAX, PyTorch, known shapes
                q, r = divmod(n, d)
                if q == 0:
                    start, size = i % n, 1
                else:
                    start, size = i * q + min(i, r), q + (1 if i < r else 0)
                return t[start : start + size]
            q, r = n // d, n % d
            even = ops.greater(q, 0)
            start = ops.where(even, i * q + ops.minimum(i, r), i % n)
            size = ops.where(even, q + ops.cast(i < r, q.dtype), 1)
            return t[start : start + size]

        return keras.tree.map_structure(part, data)

    def log_names(self):
        """Keys of the logs the two `compute_*_loss` methods return, in order."""
        penalties = [p.name for p in getattr(self, "penalties", [])]
        names = ["d_loss", *penalties, "real_score", "fake_score", "g_loss"]
        if getattr(self, "augment", None) is not None and self.adaptive_augment:
            names.insert(names.index("g_loss"), "ada_p")
        return names

    def adversarial_terms(self, real_logits, fake_logits, real, fake, discriminator):
        """Adversarial loss, penalties and scores of one discriminator update.

        Shared by the model families: `discriminator` is what the penalties
        differentiate (a `DiscriminatorView`; a network is wrapped in one).
        With a `LossScaleOptimizer` for the discriminator (compiled
        under `mixed_float16`), the view's `loss_scale` is set to its
        current scale, so that the penalties' input gradients are
        loss-scaled too.

        Returns:
            `(total, logs)` with `d_loss`, each penalty, `real_score`,
            `fake_score`.
        """
        if isinstance(discriminator, keras.layers.Layer):
            discriminator = DiscriminatorView(discriminator)
        if isinstance(discriminator, DiscriminatorView) and isinstance(
            self.d_optimizer, keras.optimizers.LossScaleOptimizer
        ):
            discriminator.loss_scale = self.d_optimizer.scale_loss(1.0)
        d_loss = self.loss_fn.discriminator_loss(real_logits, fake_logits)
        logs = {"d_loss": d_loss}
        total = d_loss
        for penalty in self.penalties:
            value = self._penalty_value(penalty, discriminator, real, fake)
            logs[penalty.name] = value
            total = total + value
        logs["real_score"] = ops.mean(ops.cast(real_logits, "float32"))
        logs["fake_score"] = ops.mean(ops.cast(fake_logits, "float32"))
        return total, logs

    def _penalty_value(self, penalty, discriminator, real, fake):
        """A penalty's value; lazily (every `interval` updates, times it) if asked."""
        interval = getattr(penalty, "interval", 1)
        if interval == 1:
            return penalty(discriminator, real, fake, seed=self.seed_generator)
        # The discriminator optimizer's count of updates made so far: the
        # first update (count 0) is penalised, then every interval-th.
        due = ops.equal(ops.mod(self.d_optimizer.iterations, interval), 0)
        return ops.cond(
            due,
            lambda: (
                float(interval)
                * ops.cast(
                    penalty(discriminator, real, fake, seed=self.seed_generator),
                    "float32",
                )
            ),
            lambda: ops.zeros((), "float32"),
        )

    # ---------------------------------------------------------------- compile
    def compile(
        self,
        d_optimizer=None,
        g_optimizer=None,
        loss="bce",
        penalties=(),
        d_steps=1,
        on_nonfinite="raise",
        fresh_real_batches=False,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configure the model for training.

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
                WGAN-GP). Each draws fresh latents; all use the same real
                batch unless `fresh_real_batches`.
            fresh_real_batches: If True, each of the `d_steps` discriminator
                updates gets its own real batch, as in WGAN-GP's Algorithm 1:
                `fit` reads `d_steps` batches per step (array inputs: a batch
                of `d_steps * batch_size` samples, split in `d_steps` equal
                parts; a final short batch of n samples is split as evenly
                as it can be, the first n % d_steps parts one sample larger)
                and the generator update uses the last of them. An epoch
                then has `d_steps` times fewer steps (generator updates).
                Accepted data: numpy arrays, `tf.data.Dataset`,
                `keras.utils.PyDataset`.
            on_nonfinite: `"raise"` (default) raises `NonFiniteLossError`
                naming the first NaN/inf loss; `"stop"` prints the same
                message and stops training gracefully, like
                `keras.callbacks.TerminateOnNaN`.
            run_eagerly: As in `keras.Model.compile`.
            steps_per_execution: As in `keras.Model.compile`.
            jit_compile: As in `keras.Model.compile`.
            auto_scale_loss: As in `keras.Model.compile`.

        Raises:
            ValueError: unknown loss or penalty, `d_steps < 1`, duplicate
                penalty names, one optimizer object for both networks.
            NotImplementedError: the active Keras backend has no GAN step.
        """
        backend_module()  # fail now, not at the first step, on other backends
        d_optimizer = _optimizer(d_optimizer, "d_optimizer")
        g_optimizer = _optimizer(g_optimizer, "g_optimizer")
        if d_optimizer is g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer must be two different optimizer "
                "objects: each keeps state for its own network's weights."
            )
        if isinstance(d_steps, bool) or int(d_steps) != d_steps or d_steps < 1:
            raise ValueError(
                f"d_steps must be an integer >= 1. Received: d_steps={d_steps!r}"
            )
        if not isinstance(fresh_real_batches, bool):
            raise ValueError(
                "fresh_real_batches must be True or False. Received: "
                f"fresh_real_batches={fresh_real_batches!r}"
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
        self.penalties = []
        reserved = {"loss", *self.log_names()}
        clash = sorted({n for n in names if names.count(n) > 1 or n in reserved})
        if clash:
            raise ValueError(
                f"Penalty names must be unique and differ from {sorted(reserved)}"
                f"; they are log keys. Clashing: {clash}. Pass name=... to the "
                "penalties."
            )
        # UserWarning naming any BatchNormalization a gradient penalty meets.
        penalties_module.base.warn_batch_normalization(
            penalty_objs, getattr(self, "discriminator", None)
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
        # The optimizers are built by `fit` (or `load_weights`), as Keras
        # does, so that trainable flags changed after `compile` are honoured.
        self.loss_fn = loss_obj
        self.penalties = penalty_objs
        self.d_steps = int(d_steps)
        self.fresh_real_batches = bool(fresh_real_batches)
        self.on_nonfinite = on_nonfinite
        self._trackers = {
            name: keras.metrics.Mean(name=name) for name in self.log_names()
        }
        # Serialized when saving, not now: serializing can import TensorFlow.
        self._gan_compile_args = _Untracked(
            **{
                "d_optimizer": d_optimizer,
                "g_optimizer": g_optimizer,
                "loss": loss_obj,
                "penalties": penalty_objs,
                "d_steps": self.d_steps,
                "fresh_real_batches": self.fresh_real_batches,
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

    def update_metrics(self, d_total, d_logs, g_total, g_logs):
        """Update the trackers with one step's logs; return what `fit` shows."""
        for name, value in {**d_logs, **g_logs}.items():
            self._trackers[name].update_state(value)
        self._loss_tracker.update_state(d_total + g_total)
        return {m.name: m.result() for m in self.metrics}

    # ------------------------------------------------------------ Keras hooks
    def train_step(self, *args):
        # `data` on TensorFlow and PyTorch, `state, data` on JAX.
        return backend_module().train_step(self, *args)

    def test_step(self, *args):
        return backend_module().test_step(self, *args)

    def _players_signature(self):
        return (
            tuple(id(v) for v in self.discriminator_variables),
            tuple(id(v) for v in self.generator_variables),
        )

    def make_train_function(self, force=False):
        # The traced step holds the players' variable lists: remember them,
        # so that `fit` retraces when trainable flags changed (Keras itself
        # needs a new compile() for that).
        self._traced_players = self._players_signature()
        # On TensorFlow, keep the input iterator so that `fit` can destroy it
        # off the main thread (tf.data's teardown stall; backend/tensorflow.py).
        super().make_train_function(force)
        self.train_function = backend_module().wrap_train_function(
            self, self.train_function
        )
        return self.train_function

    def check_training_data(self, x, y, what="images"):
        """Check `fit`'s data before training; return `(x, y)` to train on.

        The base class accepts anything; models override it to reject bad
        data before any work is lost.
        """
        return x, y

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

        The training (and validation) data are checked before training
        starts (`check_training_data`); a `NonFiniteGuard` is added after the
        given callbacks.
        """
        if not self.compiled:
            raise ValueError(
                f"{type(self).__name__}.fit() was called before "
                f"{type(self).__name__}.compile(). Call "
                "model.compile(d_optimizer=..., g_optimizer=..., loss=...) "
                "first."
            )
        for name, value in (
            ("sample_weight", sample_weight),
            ("class_weight", class_weight),
        ):
            if value is not None:
                raise ValueError(
                    f"{type(self).__name__}.fit does not support {name}: the "
                    "adversarial losses weight every sample equally. Received "
                    f"{name} of type {type(value).__name__}."
                )
        self.build_optimizers()
        if getattr(self, "_traced_players", None) != self._players_signature():
            self.train_function = None  # trainable flags changed: retrace
        x, y = self.check_training_data(x, y)
        from keras_gan_layers.models.data_checks import (
            check_validation_batches,
            training_part,
        )

        if validation_split:
            # Arrays only (Keras' rule): check the part fit will train on.
            self.check_networks_on_data(
                *training_part(x, y, validation_split), batch_size
            )
        else:
            x, y = self.check_networks_on_data(x, y, batch_size)
        if validation_data is not None:
            validation_data = self.check_validation_data(validation_data)
        validation_data = check_validation_batches(
            self,
            x,
            validation_data,
            validation_split,
            validation_batch_size or batch_size,
        )
        if self.fresh_real_batches and self.d_steps > 1:
            if validation_batch_size is None and batch_size is not None:
                validation_batch_size = batch_size
            x, batch_size = group_batches(x, batch_size, self.d_steps)
        callbacks = list(callbacks or []) + [NonFiniteGuard(self.on_nonfinite)]
        try:
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
        finally:
            backend_module().release_iterator(self)

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """Both players' losses on `x`; arguments as in `keras.Model.evaluate`.

        Before any batch runs, the batches must split into the
        discriminator's `MinibatchStdDev` groups, as in `fit` (errors.md
        F26).

        Raises:
            ValueError: a batch `MinibatchStdDev` cannot group (the layer
                would fail in the middle of the pass with a reshape error).
        """
        from keras_gan_layers.models.data_checks import check_evaluation_batches

        if not kwargs.get("_use_cached_eval_dataset"):
            # Not fit's validation pass (Keras' flag): fit checked those
            # batches, and peeking here would take a batch from a
            # generator the cached iterator still reads.
            x = check_evaluation_batches(self, x, batch_size, steps)
        return super().evaluate(
            x=x,
            y=y,
            batch_size=batch_size,
            verbose=verbose,
            sample_weight=sample_weight,
            steps=steps,
            callbacks=callbacks,
            return_dict=return_dict,
            **kwargs,
        )

    def build_optimizers(self):
        """Build both optimizers for the networks' trainable weights, once.

        `fit` and `load_weights` call it, so that trainable flags changed
        between `compile` and `fit` are honoured (as in Keras).

        A generator without trainable weights (a fixed one, e.g. to train a
        discriminator alone) gets a warning naming it.

        Raises:
            ValueError: the discriminator has no trainable weights (frozen,
                the Keras 2 habit for combined models: it would never
                train); an optimizer already built for other weights meets
                weights it does not know.
        """
        for role, variables, optimizer in (
            ("discriminator", self.discriminator_variables, self.d_optimizer),
            ("generator", self.generator_variables, self.g_optimizer),
        ):
            if not variables and role == "discriminator":
                raise ValueError(
                    "The discriminator has no trainable weights, so "
                    f"{type(self).__name__}.fit would never update it (was it "
                    "frozen with discriminator.trainable = False, as Keras 2 "
                    f"combined models did?). {type(self).__name__} trains both "
                    "networks itself: set discriminator.trainable = True "
                    "(freezing single layers is fine)."
                )
            if not variables:
                warnings.warn(
                    f"The generator ({self._generator_names()}) has no "
                    "trainable weights: only the discriminator will train. If "
                    "it was frozen by mistake, set generator.trainable = True.",
                    stacklevel=3,
                )
            if not optimizer.built:
                # As Keras' own fit does (TensorFlow): optimizer slots made
                # under the strategy the model was created in, also when fit
                # is called outside `strategy.scope()`.
                strategy = getattr(self, "distribute_strategy", None)
                with strategy.scope() if strategy else contextlib.nullcontext():
                    optimizer.build(variables)
                continue
            known = {id(v) for v in optimizer._trainable_variables}
            unknown = [v.path for v in variables if id(v) not in known]
            if unknown:
                raise ValueError(
                    f"The {role}'s optimizer was built for other weights: it "
                    f"has no state for {unknown} (trainable again after it "
                    "was built?). An optimizer keeps state per weight; pass a "
                    f"new optimizer for the {role} to compile()."
                )

    def _generator_names(self):
        names = [
            repr(getattr(self, key).name)
            for key in self.network_arguments
            if key.startswith("generator") and hasattr(self, key)
        ]
        return ", ".join(names) or "none"

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """`keras.Model.load_weights`, restoring both optimizers' state too.

        The optimizers' state is restored into a compiled model only (call
        `compile` first); an uncompiled model gets the weights and random
        states and a warning that the optimizer state was not loaded.
        """
        if not self.compiled:
            warnings.warn(
                f"{type(self).__name__}.load_weights before compile(): the "
                "networks' weights and random states are loaded, the "
                "optimizers' state is not (training would restart Adam's "
                "moments and step counts). Call compile() first.",
                stacklevel=2,
            )
        if self.compiled and hasattr(self, "d_optimizer"):
            for optimizer, variables in (
                (self.d_optimizer, self.discriminator_variables),
                (self.g_optimizer, self.generator_variables),
            ):
                if not optimizer.built and variables:
                    optimizer.build(variables)
        return super().load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)

    def random_generators(self):
        """Every `SeedGenerator` a run draws from: the model's, then its layers'.

        Their states (`[seed, counter]`) are saved with the weights, so a
        reloaded or resumed model continues the same random streams.
        """
        found, seen = [], set()
        for layer in [self, *self._flatten_layers(include_self=False)]:
            for generator in getattr(layer, "_seed_generators", []):
                if id(generator) not in seen:
                    seen.add(id(generator))
                    found.append(generator)
        return found

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, generator in enumerate(self.random_generators()):
            store[f"random_state_{i}"] = generator.state

    def load_own_variables(self, store):
        keys = [k for k in store.keys() if k.startswith("random_state_")]
        generators = self.random_generators()
        if keys and len(keys) != len(generators):
            raise ValueError(
                f"The weights file holds {len(keys)} random-generator states "
                f"but {type(self).__name__} {self.name!r} has "
                f"{len(generators)}: it was saved from another architecture."
            )
        for i, generator in enumerate(generators[: len(keys)]):
            generator.state.assign(store[f"random_state_{i}"])
        own = self._trainable_variables + self._non_trainable_variables
        for i, v in enumerate(own):
            v.assign(store[f"{i}"])

    def check_validation_data(self, validation_data):
        """Check `validation_data` as `fit` receives it; return what to use."""
        if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
            x, y = self.check_training_data(
                validation_data[0], validation_data[1], "validation images"
            )
            return (x, y, *validation_data[2:])
        x, _ = self.check_training_data(validation_data, None, "validation images")
        return x

    # ----------------------------------------------------------------- config
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            **{
                key: keras.saving.serialize_keras_object(getattr(self, key))
                for key in self.network_arguments
            },
            "seed": self.seed,
            "data_range": None if self.data_range is None else list(self.data_range),
            "ema_decay": self.ema_decay,
            "ema_start": self.ema_start,
            "augment": keras.saving.serialize_keras_object(self.augment),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in (*cls.network_arguments, "augment"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    # ------------------------------------------------------- pre-training checks
    def check_networks_on_data(self, x, y, batch_size=None):
        """Checks of the networks against the real data, once before training.

        Called by `fit` after `check_training_data`: a real sample must have
        the discriminator's input shape; a batch of 1 sample must not meet a
        batch normalization that then sees one value per feature; with
        gradient penalties, the discriminator's input gradient on 2 real
        samples (and 2 random ones) must not be exactly zero. Models whose
        discriminator needs more than the images (labels) override it.

        Returns:
            `(x, y)` to train on.
        """
        from keras_gan_layers.models.data_checks import check_networks_on_data

        def view(images, labels):
            return DiscriminatorView(self.discriminator, training=False)

        has_discriminator = isinstance(
            getattr(self, "discriminator", None), keras.layers.Layer
        )
        return check_networks_on_data(
            self, x, y, batch_size, view if has_discriminator else None
        )


class _Untracked(types.SimpleNamespace):
    """Holds objects Keras must not track or save as the model's state."""
