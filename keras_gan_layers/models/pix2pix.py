"""`Pix2Pix`: paired image-to-image translation trained with `fit`."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.models.adversarial import AdversarialModel, DiscriminatorView
from keras_gan_layers.models.cycle_gan import _weight, l1
from keras_gan_layers.models.data_checks import compatible_shape
from keras_gan_layers.models.gan import check_network_types
from keras_gan_layers.models.translation import (
    check_pair_data,
    input_shape_of,
    output_spec,
    require_same,
    translate_numpy,
    unpack_pair,
)


@keras_gan_export()
class Pix2Pix(AdversarialModel):
    """Paired image-to-image translation (pix2pix), trained with `fit`.

    A generator maps A images to B images; a conditional discriminator
    judges pairs `[a, b]`: the real pair against `[a, generator(a)]`. The
    generator minimises its adversarial loss plus `l1_weight` times the
    mean absolute difference between `generator(a)` and the true `b`.
    There is no latent input: as in the paper, the generator's dropout is
    its noise (active in training; `translate` runs in inference mode).

    The logs hold `d_loss`, each penalty, `real_score`, `fake_score`,
    `g_loss` (adversarial), `l1_loss` (unweighted) and `loss`.

    `compile` defaults to the paper's losses and optimizer: the
    non-saturating BCE loss (`"bce"`) and Adam(2e-4, beta_1=0.5) for both
    networks. The paper halves the discriminator's objective; Adam is
    invariant to that scale (up to its epsilon), so it is not halved here.

    Data: batches of corresponding pairs `(a_images, b_images)`:
    `fit(x=a, y=b)` with two arrays of the same length, or a dataset
    yielding pairs, such as `keras_gan_layers.datasets.paired(a, b)`.
    Data made by `keras_gan_layers.datasets.unpaired` is refused.

    Args:
        generator: Keras model from A images to B images (e.g.
            `architectures.unet_translator`).
        discriminator: Keras model on `[a_images, b_images]` returning
            logits (e.g. `architectures.patchgan_discriminator(shape_b,
            condition_shape=shape_a)`; a patch map is averaged by the
            losses).
        l1_weight: Float >= 0, lambda, the weight of the L1 term (paper:
            100).
        seed: Int or None, seeds the model's random stream.
        data_range: `(low, high)` that the images of both domains must lie
            in, or None to skip the check.
        **kwargs: Passed to `keras.Model` (`name`, ...).

    Raises:
        ValueError: networks that are not Keras layers; `l1_weight` not a
            float >= 0; a generator whose output is not the
            discriminator's second input shape; a discriminator that does
            not take `[a, b]`; at `fit`, unpaired data, pairs of different
            lengths, images of shapes the networks do not take.

    Example:

    ```python
    import keras_gan_layers as kgl

    arch = kgl.architectures
    model = kgl.Pix2Pix(
        arch.unet_translator((32, 32, 1), filters=8),
        arch.patchgan_discriminator((32, 32, 1), condition_shape=(32, 32, 1), filters=8),
        seed=0,
    )
    model.compile()  # BCE, Adam(2e-4, beta_1=0.5)
    model.fit(x=a_images, y=b_images, batch_size=4, epochs=1)
    b_like = model.translate(a_images[:8])
    ```

    Reference:
    - [Isola et al., 2017 (pix2pix)](https://arxiv.org/abs/1611.07004)
    """

    def __init__(
        self,
        generator,
        discriminator,
        l1_weight=100.0,
        seed=None,
        data_range=(-1.0, 1.0),
        **kwargs,
    ):
        check_network_types("Pix2Pix", generator=generator, discriminator=discriminator)
        l1_weight = _weight(l1_weight, "l1_weight", "Pix2Pix")
        super().__init__(seed=seed, data_range=data_range, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.l1_weight = l1_weight
        self.shape_a, self.shape_b = self._check_networks()
        self.built = True

    def _check_networks(self):
        name = "Pix2Pix"
        shape_a = input_shape_of(self.generator)
        if shape_a is None:
            raise ValueError(
                f"{name} needs a generator with a declared input (a "
                "functional or Sequential model with an Input)."
            )
        fake = output_spec(
            self.generator, keras.KerasTensor((None, *shape_a)), name, "the generator"
        )
        inputs = getattr(self.discriminator, "inputs", None)
        if inputs is not None and len(inputs) != 2:
            raise ValueError(
                f"{name} needs a conditional discriminator that takes two "
                f"inputs, [a_images, b_images]; it takes {len(inputs)}. See "
                "keras_gan_layers.architectures.patchgan_discriminator(..., "
                "condition_shape=...)."
            )
        require_same(
            name,
            shape_a,
            input_shape_of(self.discriminator, 0),
            "the discriminator's first input (the condition, an A image) has "
            "shape {expected}, but A images have shape {got}.",
        )
        require_same(
            name,
            fake.shape[1:],
            input_shape_of(self.discriminator, 1),
            "the generator returns B images of shape {got}, but the "
            "discriminator's second input takes {expected}.",
        )
        output_spec(
            self.discriminator,
            [keras.KerasTensor((None, *shape_a)), fake],
            name,
            "the discriminator",
        )
        return tuple(shape_a), tuple(fake.shape[1:])

    # ----------------------------------------------------------- objectives
    def log_names(self):
        return [*super().log_names(), "l1_loss"]

    def _bound(self, a):
        def bound(network, x, training):
            return network([a, x], training=training)

        return bound

    def compute_discriminator_loss(self, data, training=True):
        """Adversarial loss of the real pair against `[a, generator(a)]`."""
        a, b = unpack_pair(data, "Pix2Pix")
        fake = ops.stop_gradient(self.generator(a, training=training))
        real_logits = self.discriminator([a, b], training=training)
        fake_logits = self.discriminator([a, fake], training=training)
        view = DiscriminatorView(
            self.discriminator,
            call=self._bound(a),
            training=None if training else False,
        )
        return self.adversarial_terms(real_logits, fake_logits, b, fake, view)

    def compute_generator_loss(self, data, training=True):
        """`g_loss + l1_weight * l1_loss`."""
        a, b = unpack_pair(data, "Pix2Pix")
        fake = self.generator(a, training=training)
        fake_logits = self.discriminator([a, fake], training=training)
        real_logits = None
        if self.loss_fn.requires_real_logits_for_generator:
            real_logits = self.discriminator([a, b], training=training)
        g_loss = self.loss_fn.generator_loss(fake_logits, real_logits)
        distance = l1(fake, b)
        return g_loss + self.l1_weight * distance, {
            "g_loss": g_loss,
            "l1_loss": distance,
        }

    # -------------------------------------------------------------- use
    def call(self, images, training=None):
        """`generator(images)`: A images to B."""
        return self.generator(images, training=training)

    def translate(self, images, batch_size=32):
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
            self.generator,
            images,
            batch_size,
            "Pix2Pix.translate",
            self.shape_a,
            self.data_range,
        )

    # ---------------------------------------------------------------- data
    def check_training_data(self, x, y, what="images"):
        """Corresponding pairs of A and B images in `data_range`."""
        if getattr(x, "pairing", None) == "unpaired":
            raise ValueError(
                "Pix2Pix.fit received unpaired data (keras_gan_layers.datasets."
                "unpaired): pix2pix learns from corresponding pairs, the L1 "
                "term compares each translation with its own B image. Use "
                "datasets.paired(a, b), or CycleGAN for unpaired domains."
            )
        a, b, x, y = check_pair_data(self, x, y, self.data_range, what)
        if y is not None and hasattr(x, "__len__") and hasattr(y, "__len__"):
            if len(x) != len(y):
                raise ValueError(
                    f"Pix2Pix.fit received {len(x)} A images but {len(y)} B "
                    "images; paired data needs one B image per A image."
                )
        for domain, sample, shape in (("A", a, self.shape_a), ("B", b, self.shape_b)):
            if sample is not None and not compatible_shape(shape, sample.shape[1:]):
                raise ValueError(
                    f"Pix2Pix.fit: the {domain} {what} have shape "
                    f"{(None, *sample.shape[1:])}, but the networks take "
                    f"{domain} images of shape {(None, *shape)}."
                )
        return x, y

    def check_networks_on_data(self, x, y, batch_size=None):
        """The shape checks ran in `check_training_data`; nothing more to check."""
        return x, y

    # -------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        for key in ("ema_decay", "ema_start", "augment"):
            config.pop(key)
        return {**config, "l1_weight": self.l1_weight}
