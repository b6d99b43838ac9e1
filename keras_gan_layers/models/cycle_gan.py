"""`CycleGAN`: unpaired image-to-image translation trained with `fit`."""

import numbers

import keras
import numpy as np
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.image_pool import ImagePool
from keras_gan_layers.models.adversarial import AdversarialModel, DiscriminatorView
from keras_gan_layers.models.data_checks import check_sample_shape
from keras_gan_layers.models.gan import check_network_types
from keras_gan_layers.models.translation import (
    check_pair_data,
    input_shape_of,
    output_spec,
    require_same,
    translate_numpy,
    unpack_pair,
)


def _weight(value, name, model):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not (value >= 0 and np.isfinite(value))
    ):
        raise ValueError(
            f"{model} needs {name}, a float >= 0. Received: {name}={value!r}"
        )
    return float(value)


def l1(x, y):
    """Mean absolute difference, in float32."""
    return ops.mean(ops.abs(ops.cast(x, "float32") - ops.cast(y, "float32")))


def cycled(x, n, seed):
    """`x` (an array) resampled to `n` samples: whole seeded permutations."""
    rng = np.random.default_rng(seed)
    reps = -(-n // len(x))
    order = np.concatenate([rng.permutation(len(x)) for _ in range(reps)])[:n]
    return x[order]


@keras_gan_export()
class CycleGAN(AdversarialModel):
    """Unpaired image-to-image translation (CycleGAN), trained with `fit`.

    Two generators, `generator_ab` (A -> B) and `generator_ba` (B -> A),
    and two discriminators, `discriminator_a` (real A images against
    `generator_ba`'s) and `discriminator_b` (real B against
    `generator_ab`'s). The two generators are one player (one optimizer,
    `g_optimizer`) and the two discriminators the other (`d_optimizer`),
    as in the paper's code. Each `fit` step updates the discriminators,
    then the generators (the paper's code runs the generators first; over
    a run the alternation is the same).

    Objectives, for a batch `(a, b)`:

    - discriminators: the adversarial loss of `discriminator_a` on `a`
      against `generator_ba(b)` plus that of `discriminator_b` on `b`
      against `generator_ab(a)`, the generated images drawn through an
      `ImagePool` of `pool_size` past images each; penalties (if any) are
      added for both;
    - generators: `g_ab_loss + g_ba_loss + cycle_weight * cycle_loss +
      cycle_weight * identity_weight * identity_loss`, where `cycle_loss =
      |generator_ba(generator_ab(a)) - a| + |generator_ab(generator_ba(b))
      - b|` and `identity_loss = |generator_ab(b) - b| + |generator_ba(a) -
      a|` (means of absolute differences; the identity term is skipped
      when `identity_weight` is 0).

    The logs hold `d_a_loss`, `d_b_loss`, each penalty (summed over both
    discriminators), `g_ab_loss`, `g_ba_loss`, `cycle_loss` and
    `identity_loss` (unweighted), and `loss`, the sum of both players'
    objectives.

    `compile` defaults to the paper's least squares loss (`"lsgan"`) and
    Adam(2e-4, beta_1=0.5) for both players; the paper keeps the learning
    rate for 100 epochs and decays it linearly to zero over the next 100
    (`keras_gan_layers.schedules.LinearDecay`). This package's
    `LeastSquaresLoss` keeps the LSGAN paper's 1/2 on the generator term,
    which the CycleGAN code leaves out: with the same `cycle_weight`, the
    cycle and identity terms weigh twice as much against the adversarial
    one as in that code (pass `cycle_weight=5.0, identity_weight=0.5` to
    match it exactly).

    Data: batches of pairs `(a_images, b_images)`, which need not
    correspond (unpaired): `fit(x=a, y=b)` with two arrays (if their
    lengths differ, the shorter is cycled through seeded permutations to
    the longer's length, so an epoch covers the larger domain, as in the
    paper's code; `fit` shuffles the pairs together), or a dataset
    yielding pairs, such as `keras_gan_layers.datasets.unpaired(a, b)`,
    which shuffles each domain on its own. Images are floats in
    `data_range` ([-1, 1]).

    Args:
        generator_ab: Keras model from A images to B images.
        generator_ba: Keras model from B images to A images.
        discriminator_a: Keras model from A images to logits (any shape
            per image: a PatchGAN's patch map is averaged by the losses).
        discriminator_b: Keras model from B images to logits.
        cycle_weight: Float >= 0, lambda, the weight of the cycle loss
            (paper: 10).
        identity_weight: Float >= 0, the identity loss's weight relative to
            `cycle_weight` (paper's code: 0.5; 0 disables it). The identity
            loss needs generators that map each domain's shape to itself
            (same shapes for A and B).
        pool_size: Int >= 0, the images each `ImagePool` keeps (paper: 50;
            0 shows the discriminators the latest images only). Needs
            fully known image shapes. The pools are saved with the model.
        seed: Int or None, seeds the model's random stream and the pools'.
        data_range: `(low, high)` that the images of both domains must lie
            in, or None to skip the check.
        **kwargs: Passed to `keras.Model` (`name`, ...).

    Raises:
        ValueError: a network that is not a Keras layer; weights that are
            not floats >= 0; `pool_size` not an int >= 0; networks whose
            shapes do not chain (A -> B -> A, the discriminators' inputs);
            `identity_weight > 0` with generators that cannot take the
            other domain's images; a pool with unknown image shapes.

    Example:

    ```python
    import keras_gan_layers as kgl

    arch = kgl.architectures
    shape = (32, 32, 1)
    model = kgl.CycleGAN(
        arch.resnet_translator(shape, num_blocks=2, filters=8),
        arch.resnet_translator(shape, num_blocks=2, filters=8),
        arch.patchgan_discriminator(shape, filters=8),
        arch.patchgan_discriminator(shape, filters=8),
        seed=0,
    )
    model.compile()  # least squares loss, Adam(2e-4, beta_1=0.5)
    model.fit(kgl.datasets.unpaired(a_images, b_images, batch_size=1), epochs=1)
    b_like = model.translate_a_to_b(a_images[:8])
    ```

    Reference:
    - [Zhu et al., 2017 (CycleGAN)](https://arxiv.org/abs/1703.10593)
    - Image pool: [Shrivastava et al., 2017](https://arxiv.org/abs/1612.07828)
    """

    network_arguments = (
        "generator_ab",
        "generator_ba",
        "discriminator_a",
        "discriminator_b",
    )

    def __init__(
        self,
        generator_ab,
        generator_ba,
        discriminator_a,
        discriminator_b,
        cycle_weight=10.0,
        identity_weight=0.5,
        pool_size=50,
        seed=None,
        data_range=(-1.0, 1.0),
        **kwargs,
    ):
        name = "CycleGAN"
        check_network_types(
            name,
            generator_ab=generator_ab,
            generator_ba=generator_ba,
            discriminator_a=discriminator_a,
            discriminator_b=discriminator_b,
        )
        cycle_weight = _weight(cycle_weight, "cycle_weight", name)
        identity_weight = _weight(identity_weight, "identity_weight", name)
        if (
            isinstance(pool_size, bool)
            or not isinstance(pool_size, numbers.Integral)
            or pool_size < 0
        ):
            raise ValueError(
                f"{name} needs pool_size, an int >= 0 (0: no image pool). "
                f"Received: pool_size={pool_size!r}"
            )
        super().__init__(seed=seed, data_range=data_range, **kwargs)
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.cycle_weight = cycle_weight
        self.identity_weight = identity_weight
        self.pool_size = int(pool_size)
        shape_a, shape_b = self._check_networks()
        self.shape_a, self.shape_b = shape_a, shape_b
        self.pool_a = ImagePool(pool_size, seed=seed, name="pool_a")
        self.pool_b = ImagePool(
            pool_size, seed=None if seed is None else seed + 1, name="pool_b"
        )
        if pool_size:
            for pool, shape, domain in (
                (self.pool_a, shape_a, "A"),
                (self.pool_b, shape_b, "B"),
            ):
                if any(d is None for d in shape):
                    raise ValueError(
                        f"{name}: the image pools (pool_size={pool_size}) store "
                        f"{domain} images, so their shape must be known; the "
                        f"networks give {shape}. Build the networks for a fixed "
                        "image size, or pass pool_size=0."
                    )
                pool.build((None, *shape))
        self.built = True

    # ------------------------------------------------------------- networks
    def _check_networks(self):
        """Check that the four networks chain; return the A and B image shapes."""
        name = "CycleGAN"
        shape_a = input_shape_of(self.generator_ab)
        declared_b = input_shape_of(self.generator_ba)
        if shape_a is None or declared_b is None:
            raise ValueError(
                f"{name} needs generators with declared inputs (functional "
                "or Sequential models with an Input), to read the image "
                "shapes of both domains."
            )
        fake_b = output_spec(
            self.generator_ab,
            keras.KerasTensor((None, *shape_a)),
            name,
            "generator_ab",
        )
        require_same(
            name,
            fake_b.shape[1:],
            declared_b,
            "generator_ab returns B images of shape {got}, but generator_ba "
            "takes B images of shape {expected}.",
        )
        shape_b = tuple(
            d if d is not None else e for d, e in zip(declared_b, fake_b.shape[1:])
        )
        fake_a = output_spec(
            self.generator_ba, keras.KerasTensor((None, *shape_b)), name, "generator_ba"
        )
        require_same(
            name,
            fake_a.shape[1:],
            shape_a,
            "generator_ba returns A images of shape {got}, but generator_ab "
            "takes A images of shape {expected}: the cycle A -> B -> A must "
            "give back the shape of A.",
        )
        for role, network, shape in (
            ("discriminator_a", self.discriminator_a, shape_a),
            ("discriminator_b", self.discriminator_b, shape_b),
        ):
            declared = input_shape_of(network)
            require_same(
                name,
                shape,
                declared,
                f"{role} takes images of shape {{expected}}, but its domain's "
                "images have shape {got}.",
            )
            output_spec(network, keras.KerasTensor((None, *shape)), name, role)
        if self.identity_weight > 0:
            for role, shape, other in (
                ("generator_ab", shape_a, shape_b),
                ("generator_ba", shape_b, shape_a),
            ):
                if not (
                    len(shape) == len(other)
                    and all(
                        x is None or y is None or x == y for x, y in zip(shape, other)
                    )
                ):
                    raise ValueError(
                        f"{name}: identity_weight={self.identity_weight} feeds "
                        f"each generator images of its output domain, but "
                        f"{role} takes {shape} and returns {other}. Pass "
                        "identity_weight=0 for domains of different shapes."
                    )
        return tuple(shape_a), tuple(shape_b)

    @property
    def discriminator_variables(self):
        return (
            self.discriminator_a.trainable_variables
            + self.discriminator_b.trainable_variables
        )

    @property
    def generator_variables(self):
        return (
            self.generator_ab.trainable_variables
            + self.generator_ba.trainable_variables
        )

    # ----------------------------------------------------------- objectives
    def log_names(self):
        penalties = [p.name for p in getattr(self, "penalties", [])]
        return [
            "d_a_loss",
            "d_b_loss",
            *penalties,
            "g_ab_loss",
            "g_ba_loss",
            "cycle_loss",
            "identity_loss",
        ]

    def compute_discriminator_loss(self, data, training=True):
        """Both discriminators' adversarial losses (and penalties), summed."""
        a, b = unpack_pair(data, "CycleGAN")
        fake_b = ops.stop_gradient(self.generator_ab(a, training=training))
        fake_a = ops.stop_gradient(self.generator_ba(b, training=training))
        if self.pool_size:
            fake_a = self.pool_a(fake_a, training=training)
            fake_b = self.pool_b(fake_b, training=training)
        logs, total = {}, 0.0
        mode = None if training else False
        for domain, network, real, fake in (
            ("a", self.discriminator_a, a, fake_a),
            ("b", self.discriminator_b, b, fake_b),
        ):
            part, part_logs = self.adversarial_terms(
                network(real, training=training),
                network(fake, training=training),
                real,
                fake,
                DiscriminatorView(network, training=mode),
            )
            total = total + part
            logs[f"d_{domain}_loss"] = part_logs["d_loss"]
            for penalty in self.penalties:
                logs[penalty.name] = (
                    logs.get(penalty.name, 0.0) + part_logs[penalty.name]
                )
        return total, logs

    def _adversarial(self, discriminator, fake, real, training):
        real_logits = None
        if self.loss_fn.requires_real_logits_for_generator:
            real_logits = discriminator(real, training=training)
        return self.loss_fn.generator_loss(
            discriminator(fake, training=training), real_logits
        )

    def compute_generator_loss(self, data, training=True):
        """Both generators' adversarial, cycle and identity losses."""
        a, b = unpack_pair(data, "CycleGAN")
        fake_b = self.generator_ab(a, training=training)
        fake_a = self.generator_ba(b, training=training)
        g_ab = self._adversarial(self.discriminator_b, fake_b, b, training)
        g_ba = self._adversarial(self.discriminator_a, fake_a, a, training)
        cycle = l1(self.generator_ba(fake_b, training=training), a) + l1(
            self.generator_ab(fake_a, training=training), b
        )
        total = g_ab + g_ba + self.cycle_weight * cycle
        if self.identity_weight > 0:
            identity = l1(self.generator_ab(b, training=training), b) + l1(
                self.generator_ba(a, training=training), a
            )
            total = total + self.cycle_weight * self.identity_weight * identity
        else:
            identity = ops.zeros((), "float32")
        return total, {
            "g_ab_loss": g_ab,
            "g_ba_loss": g_ba,
            "cycle_loss": cycle,
            "identity_loss": identity,
        }

    def compile(self, d_optimizer=None, g_optimizer=None, loss="lsgan", **kwargs):
        """`AdversarialModel.compile` with the paper's least squares loss by default.

        `d_optimizer` updates both discriminators, `g_optimizer` both
        generators (default for each: Adam(2e-4, beta_1=0.5)).
        """
        super().compile(d_optimizer, g_optimizer, loss=loss, **kwargs)

    # -------------------------------------------------------------- use
    def call(self, images, training=None):
        """`generator_ab(images)`: A images to B."""
        return self.generator_ab(images, training=training)

    def translate_a_to_b(self, images, batch_size=32):
        """Translate A images to B in inference mode.

        Args:
            images: Array `(n, *shape_a)` in `data_range`.
            batch_size: Images per generator call.

        Returns:
            Numpy array `(n, *shape_b)`.

        Raises:
            ValueError: images of another shape, an empty batch.
        """
        return translate_numpy(
            self.generator_ab,
            images,
            batch_size,
            "CycleGAN.translate_a_to_b",
            self.shape_a,
            self.data_range,
        )

    def translate_b_to_a(self, images, batch_size=32):
        """Translate B images to A in inference mode (see `translate_a_to_b`)."""
        return translate_numpy(
            self.generator_ba,
            images,
            batch_size,
            "CycleGAN.translate_b_to_a",
            self.shape_b,
            self.data_range,
        )

    # ---------------------------------------------------------------- data
    def check_training_data(self, x, y, what="images"):
        """Pairs of A and B images in `data_range`, of the networks' shapes.

        Two arrays of different lengths are cycled to the longer's length
        (seeded by the model's seed).
        """
        a, b, x, y = check_pair_data(self, x, y, self.data_range, what)
        for domain, sample, network in (
            ("A", a, self.discriminator_a),
            ("B", b, self.discriminator_b),
        ):
            if sample is not None:
                check_sample_shape(sample, network, "CycleGAN", f"{domain} {what}")
        if y is not None and hasattr(x, "shape") and hasattr(y, "shape"):
            n = max(len(x), len(y))
            seed = 0 if self.seed is None else self.seed
            if len(x) != n:
                x = cycled(np.asarray(x), n, seed)
            if len(y) != n:
                y = cycled(np.asarray(y), n, seed + 1)
        return x, y

    def check_networks_on_data(self, x, y, batch_size=None):
        """The shape checks ran in `check_training_data`; nothing more to check."""
        return x, y

    # -------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        for key in ("ema_decay", "ema_start", "augment"):
            config.pop(key)
        return {
            **config,
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
        }
