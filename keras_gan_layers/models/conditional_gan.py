"""`ConditionalGAN`: a GAN whose generator and discriminator see class labels."""

import keras
import numpy as np
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.models.adversarial import AdversarialModel, DiscriminatorView
from keras_gan_layers.models.data_checks import (
    _as_numpy,
    check_labels,
    check_networks_on_data,
    check_range,
    check_real_data,
    peek_first_batch,
)
from keras_gan_layers.models.gan import (
    check_generated_fits,
    check_latent_distribution,
    check_network_types,
    resolve_latent_shape,
    shape_str,
)
from keras_gan_layers.utils.sampling import generate_numpy

FAKE_LABELS = ("uniform", "real")


def label_layer_classes(network):
    """The `num_classes` of every label layer inside `network` (a set)."""
    found = set()
    for layer in getattr(network, "layers", []):
        if getattr(layer, "num_classes", None):
            found.add(int(layer.num_classes))
        found |= label_layer_classes(layer)
    return found


@keras_gan_export()
class ConditionalGAN(AdversarialModel):
    """Class-conditional GAN trained with plain `model.fit(images, labels)`.

    The generator is called on `[latents, labels]` and the discriminator on
    `[images, labels]`; labels reach both networks as int32 class ids of
    shape `(batch,)`. Training data are `fit(images, labels)` arrays or a
    dataset yielding `(images, labels)`, with integer class ids (shape
    `(n,)` or `(n, 1)`) or one-hot rows (shape `(n, num_classes)`, converted
    to ids). Images are checked against `data_range` and labels against
    `[0, num_classes)` before training starts.

    Three conditioning styles, each with reference networks in
    `keras_gan_layers.architectures` (`conditional_dcgan_generator`,
    `conditional_dcgan_discriminator`):

    - concatenation (Mirza & Osindero 2014): the label code is concatenated
      to the latent vector and broadcast onto the image channels
      (`layers.LabelConcatenation`);
    - projection (Miyato & Koyama 2018): the discriminator's logit is
      `psi(h) + <embed(y), h>` (`layers.ProjectionDiscriminatorHead`), the
      generator uses class-conditional batch normalization
      (`layers.ConditionalBatchNormalization`);
    - auxiliary classifier (ACGAN, Odena et al. 2017): the discriminator
      returns two outputs, `[logits, class_logits]` with `class_logits` of
      shape `(batch, num_classes)`. The model detects the second output and
      adds a sparse categorical cross-entropy term, weighted by
      `classification_weight`, to both players: the discriminator classifies
      real images with their labels and generated images with the labels
      they were generated for (`d_cls_loss`, the sum of both), the generator
      makes its images classifiable (`g_cls_loss`).

    Each discriminator update draws fresh latent vectors and fake labels
    (uniform over the classes, or the real batch's labels with
    `fake_labels="real"`, i.e. the data's label frequencies). Every
    adversarial loss and penalty works unchanged; a penalty gets the
    discriminator bound to the real batch's labels (and, for ACGAN, reduced
    to the adversarial output), so a gradient penalty's interpolates are
    scored under the real labels.

    Logs: `d_loss`, `g_loss` (adversarial), each penalty, `real_score`,
    `fake_score`, `loss`, and for ACGAN `d_cls_loss`, `g_cls_loss`.

    Args:
        generator: Keras model `[latents (batch, *latent_shape), labels
            (batch,) int32] -> images`.
        discriminator: Keras model `[images, labels] -> logits`, or
            `-> [logits, class_logits]` for ACGAN.
        num_classes: Int >= 2.
        latent_dim: Int or tuple; defaults to the generator's first input.
        latent_distribution: `"normal"` or `"uniform"` ([-1, 1]).
        fake_labels: `"uniform"` (default) or `"real"`.
        classification_weight: Weight of the ACGAN classification terms.
        seed: Int or None, seeds the model's `keras.random.SeedGenerator`.
        data_range: `(low, high)` range of real images, or None.
        ema_decay: None or a float in [0, 1): keep `ema_generator`, an
            exponential moving average of the generator (see
            `AdversarialModel`).
        ema_start: Generator updates before the average starts.
        augment: None, or an augmentation layer (`DiffAugment`,
            `AdaptiveAugment`) applied to real and generated images before
            the discriminator (labels unchanged; see `AdversarialModel`).
        **kwargs: Passed to `keras.Model`.

    Raises:
        ValueError: `num_classes < 2`; a generator that does not take
            `[latents, labels]`; a discriminator that does not take
            `[images, labels]` or returns other than one output or two with
            `(batch, num_classes)` class logits; a bad `fake_labels`,
            `classification_weight`, `ema_decay`. `fit`: images missing
            labels, labels out of range, float labels that are not one-hot,
            images and labels of different lengths.

    Example:

    ```python
    import keras_gan_layers as kgl

    images, labels = kgl.datasets.load_digits(return_labels=True)
    gan = kgl.ConditionalGAN(
        kgl.architectures.conditional_dcgan_generator(32, 10, (8, 8, 1)),
        kgl.architectures.conditional_dcgan_discriminator(
            (8, 8, 1), 10, conditioning="projection"),
        num_classes=10, seed=0, ema_decay=0.999,
    )
    gan.compile(loss="hinge")
    gan.fit(images, labels, batch_size=64, epochs=5)
    sevens = gan.generate(8, labels=7, seed=0)  # (8, 8, 8, 1)
    ```

    Reference:
    - [Mirza & Osindero, 2014](https://arxiv.org/abs/1411.1784)
    - [Odena et al., 2017](https://arxiv.org/abs/1610.09585)
    - [Miyato & Koyama, 2018](https://arxiv.org/abs/1802.05637)
    """

    def __init__(
        self,
        generator,
        discriminator,
        num_classes,
        latent_dim=None,
        latent_distribution="normal",
        fake_labels="uniform",
        classification_weight=1.0,
        seed=None,
        data_range=(-1.0, 1.0),
        ema_decay=None,
        ema_start=0,
        augment=None,
        **kwargs,
    ):
        check_network_types(
            "ConditionalGAN", generator=generator, discriminator=discriminator
        )
        check_latent_distribution(latent_distribution)
        if (
            isinstance(num_classes, bool)
            or not np.isscalar(num_classes)
            or int(num_classes) != num_classes
            or num_classes < 2
        ):
            raise ValueError(
                "ConditionalGAN needs num_classes, an integer >= 2. Received: "
                f"num_classes={num_classes!r}"
            )
        if num_classes >= 2**31:
            raise ValueError(
                "num_classes must be below 2**31 (labels are int32). Received: "
                f"num_classes={num_classes!r}"
            )
        if fake_labels not in FAKE_LABELS:
            raise ValueError(
                f"fake_labels must be one of {', '.join(FAKE_LABELS)}. "
                f"Received: fake_labels={fake_labels!r}"
            )
        if isinstance(classification_weight, bool) or not (
            float(classification_weight) >= 0
        ):
            raise ValueError(
                "classification_weight must be a float >= 0. Received: "
                f"classification_weight={classification_weight!r}"
            )
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
        self.num_classes = int(num_classes)
        self.latent_shape = resolve_latent_shape(
            generator, latent_dim, "ConditionalGAN"
        )
        self.latent_distribution = latent_distribution
        self.fake_labels = fake_labels
        self.classification_weight = float(classification_weight)
        self.auxiliary_classifier = self._check_networks()
        self.setup_ema()
        self.built = True

    def _check_networks(self):
        """Check both networks on symbolic inputs; True for an ACGAN discriminator."""
        latent = keras.KerasTensor((None, *self.latent_shape))
        label = keras.KerasTensor((None,), dtype="int32")
        inputs = getattr(self.generator, "inputs", None)
        if inputs is not None and len(inputs) != 2:
            raise ValueError(
                "ConditionalGAN needs a generator that takes two inputs, "
                f"[latents, labels]. Received a generator with {len(inputs)} "
                f"input(s) of shapes {[shape_str(t.shape) for t in inputs]}. "
                "See keras_gan_layers.architectures.conditional_dcgan_generator."
            )
        try:
            fake = self.generator.compute_output_spec([latent, label])
        except Exception as e:
            raise ValueError(
                "ConditionalGAN needs a generator that takes [latents, labels] "
                f"(latents {shape_str(latent.shape)}, int32 labels (None,)). "
                f"Calling it on them failed: {e}"
            ) from e
        check_generated_fits(fake, self.discriminator)
        self.check_augment(fake)
        for role, network in (
            ("generator", self.generator),
            ("discriminator", self.discriminator),
        ):
            declared = label_layer_classes(network)
            if declared and declared != {self.num_classes}:
                raise ValueError(
                    f"num_classes={self.num_classes}, but the {role}'s label "
                    f"layers are built for {sorted(declared)} classes; build the "
                    "networks and the model with the same number of classes."
                )
        try:
            out = self.discriminator.compute_output_spec([fake, label])
        except Exception as e:
            raise ValueError(
                "ConditionalGAN needs a discriminator that takes [images, "
                f"labels] (images {shape_str(fake.shape)} from the generator, "
                f"int32 labels (None,)). Calling it on them failed: {e}"
            ) from e
        if not isinstance(out, (list, tuple)):
            return False
        if len(out) != 2 or tuple(out[1].shape[1:]) != (self.num_classes,):
            raise ValueError(
                "The discriminator returns "
                f"{[shape_str(o.shape) for o in out]}. Accepted: one tensor "
                "of logits, or two, [logits, class_logits] with class_logits "
                f"of shape (None, {self.num_classes}) (ACGAN)."
            )
        return True

    # ---------------------------------------------------------------- labels
    def _class_ids(self, labels):
        """int32 class ids `(batch,)` from ids `(batch,)`/`(batch, 1)` or one-hot."""
        labels = ops.convert_to_tensor(labels)
        shape = labels.shape
        rank = (
            None if shape is None or getattr(shape, "rank", 0) is None else len(shape)
        )
        if rank == 2 and shape[-1] == self.num_classes:
            labels = ops.argmax(labels, axis=-1)
        elif rank != 1:  # (batch, 1), or a dataset whose spec has no rank
            labels = ops.reshape(labels, (-1,))
        return ops.cast(labels, "int32")

    def unpack(self, data):
        """`(images, class_ids)` from a batch `(images, labels[, weights])`."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError(
                "ConditionalGAN needs (images, labels) batches: fit(images, "
                "labels) or a dataset yielding (images, labels). Received "
                "batches without labels."
            )
        return x, self._class_ids(y)

    def sample_labels(self, real_labels):
        """Labels of the generated batch: uniform, or the real batch's."""
        if self.fake_labels == "real":
            return real_labels
        return keras.random.randint(
            ops.shape(real_labels),
            0,
            self.num_classes,
            seed=self.seed_generator,
            dtype="int32",
        )

    # ------------------------------------------------------------- networks
    def _discriminate(self, images, labels, training):
        out = self.discriminator([images, labels], training=training)
        if self.auxiliary_classifier:
            return out[0], out[1]
        return out, None

    def _classification_loss(self, labels, class_logits):
        return ops.mean(
            ops.sparse_categorical_crossentropy(
                labels, ops.cast(class_logits, "float32"), from_logits=True
            )
        )

    def compute_discriminator_loss(self, data, training=True):
        """Discriminator objective: adversarial loss, penalties, ACGAN term."""
        real, labels = self.unpack(data)
        latents = self.sample_latents(ops.shape(real)[0])
        fake_labels = self.sample_labels(labels)
        fake = ops.stop_gradient(
            self.generator([latents, fake_labels], training=training)
        )
        real = self.augmented(real, training)
        fake = self.augmented(fake, training)
        real_logits, real_classes = self._discriminate(real, labels, training)
        fake_logits, fake_classes = self._discriminate(fake, fake_labels, training)
        aux = self.auxiliary_classifier

        def bound(network, x, training):
            out = network([x, labels], training=training)
            return out[0] if aux else out

        view = DiscriminatorView(
            self.discriminator, call=bound, training=None if training else False
        )
        total, logs = self.adversarial_terms(real_logits, fake_logits, real, fake, view)
        self.observe_real_logits(real_logits, logs, training)
        if aux:
            d_cls = self._classification_loss(
                labels, real_classes
            ) + self._classification_loss(fake_labels, fake_classes)
            logs["d_cls_loss"] = d_cls
            total = total + self.classification_weight * d_cls
        return total, logs

    def compute_generator_loss(self, data, training=True):
        """Generator objective: adversarial loss (+ ACGAN classification term)."""
        real, labels = self.unpack(data)
        latents = self.sample_latents(ops.shape(real)[0])
        fake_labels = self.sample_labels(labels)
        fake = self.generator([latents, fake_labels], training=training)
        fake_logits, fake_classes = self._discriminate(
            self.augmented(fake, training), fake_labels, training
        )
        real_logits = None
        if self.loss_fn.requires_real_logits_for_generator:
            real_logits, _ = self._discriminate(
                self.augmented(real, training), labels, training
            )
        g_loss = self.loss_fn.generator_loss(fake_logits, real_logits)
        logs = {"g_loss": g_loss}
        total = g_loss
        if self.auxiliary_classifier:
            g_cls = self._classification_loss(fake_labels, fake_classes)
            logs["g_cls_loss"] = g_cls
            total = total + self.classification_weight * g_cls
        return total, logs

    def log_names(self):
        names = super().log_names()
        if getattr(self, "auxiliary_classifier", False):
            names = names + ["d_cls_loss", "g_cls_loss"]
        return names

    # ------------------------------------------------------------- sampling
    def call(self, inputs, training=None):
        """Generator output for `[latents, labels]`."""
        latents, labels = inputs
        return self.generator([latents, self._class_ids(labels)], training=training)

    def generation_labels(self, num_samples, labels=None):
        """Class ids for `generate`: checked `labels`, or cycling 0, 1, 2, ..."""
        if labels is None:
            return np.arange(num_samples, dtype="int32") % self.num_classes
        labels = np.asarray(labels)
        if labels.ndim == 0:
            labels = np.full((num_samples,), labels)
        labels = check_labels(labels, self.num_classes, "generate labels")
        if len(labels) != num_samples:
            raise ValueError(
                f"generate got {len(labels)} labels for num_samples={num_samples}"
                "; pass one label per sample, a single int, or None."
            )
        return labels

    def generate(
        self, num_samples, labels=None, seed=None, batch_size=256, truncation=None
    ):
        """Generate `num_samples` images of the requested classes.

        Uses `ema_generator` when the model keeps an EMA. Latent vectors are
        drawn as in `GAN.generate` (numpy, the same for a seed on every
        backend; the training stream is not moved).

        Args:
            num_samples: Number of images.
            labels: None (cycle through the classes: 0, 1, ..., 0, 1, ...),
                an int (every image of that class), or `num_samples` class
                ids or one-hot rows.
            seed: Int for repeatable latent vectors, None for fresh ones.
            batch_size: Images per generator call.
            truncation: None or psi > 0 (BigGAN's truncation trick, see
                `GAN.generate`).

        Returns:
            A numpy array `(num_samples, *image_shape)`.

        Raises:
            ValueError: `num_samples < 1`, labels out of `[0, num_classes)`
                or of the wrong count or type, a bad `truncation`.
        """
        latents = self.generation_latents(num_samples, seed, truncation)
        labels = self.generation_labels(len(latents), labels)
        return generate_numpy(
            self.sampling_generator, latents, batch_size, labels=labels
        )

    def classify(self, images, batch_size=256):
        """ACGAN only: the auxiliary classifier's class ids for `images`.

        Args:
            images: Array `(n, *image_shape)` in `data_range`.
            batch_size: Images per discriminator call.

        Returns:
            int numpy array `(n,)`: argmax of the class logits.

        Raises:
            ValueError: the discriminator has no auxiliary classifier.
        """
        if not self.auxiliary_classifier:
            raise ValueError(
                "classify needs an auxiliary-classifier (ACGAN) discriminator "
                "returning [logits, class_logits]."
            )
        images = np.asarray(images)
        dummy = np.zeros((len(images),), "int32")
        out = [
            ops.convert_to_numpy(
                self.discriminator(
                    [images[i : i + batch_size], dummy[i : i + batch_size]],
                    training=False,
                )[1]
            )
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(out).argmax(axis=-1)

    # ---------------------------------------------------------- data checks
    def check_training_data(self, x, y, what="images"):
        """Images in `data_range` and labels in `[0, num_classes)`, before training."""
        missing = (
            "ConditionalGAN.fit needs class labels: fit(images, labels) with "
            "labels of shape (n,) in [0, {n}) (or one-hot (n, {n})), or a "
            "dataset yielding (images, labels). Received {what}."
        )
        if y is None:
            first, x = peek_first_batch(x)
            if first is None:
                raise ValueError(
                    missing.format(
                        n=self.num_classes,
                        what=f"{what} without labels (y=None)",
                    )
                )
            if not isinstance(first, (tuple, list)) or len(first) < 2:
                raise ValueError(
                    missing.format(
                        n=self.num_classes,
                        what=f"a dataset whose batches hold {what} only",
                    )
                )
            if self.data_range is not None:
                check_range(_as_numpy(first[0]), self.data_range, what)
            check_labels(first[1], self.num_classes, f"{what} labels")
            return x, y
        first, _ = peek_first_batch(x)
        if first is not None:
            raise ValueError(
                f"ConditionalGAN.fit received a dataset of {what} and separate "
                "labels (y); pass a dataset yielding (images, labels) instead."
            )
        x = check_real_data(x, self.data_range, what)
        ids = check_labels(y, self.num_classes, f"{what} labels")
        n = len(x) if hasattr(x, "__len__") else None
        if n is not None and n != len(ids):
            raise ValueError(
                f"fit received {n} {what} but {len(ids)} labels; pass one label "
                "per image."
            )
        # Class ids, int32 (n,), whatever form was given: one input signature.
        return x, ids

    def check_networks_on_data(self, x, y, batch_size=None):
        """`AdversarialModel.check_networks_on_data` with the real labels bound.

        The gradient-penalty probe scores the real samples under their own
        labels (and, for ACGAN, reads the adversarial output), as the
        penalties do in training.
        """
        aux = self.auxiliary_classifier

        def view(images, labels):
            if labels is None:
                return None
            ids = self._class_ids(labels)

            def bound(network, t, training):
                out = network([t, ids], training=training)
                return out[0] if aux else out

            return DiscriminatorView(self.discriminator, call=bound, training=False)

        return check_networks_on_data(self, x, y, batch_size, view)

    # ---------------------------------------------------------------- config
    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "latent_dim": list(self.latent_shape),
            "latent_distribution": self.latent_distribution,
            "fake_labels": self.fake_labels,
            "classification_weight": self.classification_weight,
        }
