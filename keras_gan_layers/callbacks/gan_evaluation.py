"""`GANEvaluation`: FID, KID, IS and PRDC of generated samples in the epoch logs."""

import keras
import numpy as np

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.utils.sampling import (
    fixed_latents,
    generate_numpy,
    resolve_generator,
)

METRICS = (
    "fid",
    "kid",
    "is",
    "precision",
    "recall",
    "density",
    "coverage",
    "prdc",
    "class_accuracy",
    "intra_fid",
)
PRDC = ("precision", "recall", "density", "coverage")


def _images_and_labels(data, limit):
    """`(images, labels or None)` as numpy, at most `limit` of each.

    `data` is an image array, an `(images, labels)` tuple of arrays, or an
    iterable of batches (`images` or `(images, labels, ...)`).
    """
    if isinstance(data, tuple) and len(data) == 2 and hasattr(data[0], "shape"):
        images = keras.ops.convert_to_numpy(data[0])[:limit]
        return images, np.asarray(keras.ops.convert_to_numpy(data[1]))[:limit]
    if isinstance(data, np.ndarray):
        return data[:limit], None
    if hasattr(data, "shape") and hasattr(data, "dtype"):
        return keras.ops.convert_to_numpy(data)[:limit], None
    batches, labels, count = [], [], 0
    for batch in data:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        if isinstance(batch, (tuple, list)) and len(batch) > 1:
            labels.append(keras.ops.convert_to_numpy(batch[1]))
        x = keras.ops.convert_to_numpy(x)
        batches.append(x)
        count += len(x)
        if count >= limit:
            break
    if not batches:
        raise ValueError("GANEvaluation real_data is empty.")
    images = np.concatenate(batches)[:limit]
    return images, (np.concatenate(labels)[:limit] if labels else None)


def check_real_images(real_data, caller="GANEvaluation"):
    """Check real images given to an evaluation; return the data to use.

    Raises the ValueError of `keras_gan_layers.metrics.checks.check_images`
    unless the images are floats in [-1, 1] (8-bit or integer images, NaN or
    inf, values outside the range). Arrays and `(images, labels)` tuples are
    checked whole; a `tf.data.Dataset`, `keras.utils.PyDataset`, list of
    batches or Python generator on its first batch (a generator's first
    batch is put back: use the returned data). Other iterables are checked
    when `GANEvaluation` reads them.
    """
    from keras_gan_layers.metrics.checks import check_images
    from keras_gan_layers.models.data_checks import peek_first_batch

    if (
        isinstance(real_data, tuple)
        and len(real_data) == 2
        and hasattr(real_data[0], "shape")
    ):
        images = real_data[0]
    elif hasattr(real_data, "shape") and hasattr(real_data, "dtype"):
        images = real_data
    else:
        try:
            first, real_data = peek_first_batch(real_data)
        except ValueError:  # an empty dataset or generator
            raise ValueError(f"{caller} real_data is empty.") from None
        if first is None and isinstance(real_data, list) and real_data:
            first = real_data[0]
        if first is None:
            return real_data
        images = first[0] if isinstance(first, (tuple, list)) else first
    check_images(keras.ops.convert_to_numpy(images), "real images", caller)
    return real_data


@keras_gan_export()
class GANEvaluation(keras.callbacks.Callback):
    """Compute sample-quality metrics during `fit` and put them in the logs.

    Every `every_n_epochs` epochs, `num_samples` images are generated from
    fixed latent vectors (`seed`) and compared with up to `num_real` real
    images (their features are computed once). The results enter the epoch
    logs as `val_fid`, `val_kid` (and `val_kid_std`), `val_is`,
    `val_precision`, `val_recall`, `val_density`, `val_coverage`,
    `val_class_accuracy`, so
    `ModelCheckpoint(monitor="val_kid", mode="min")`, `EarlyStopping`,
    `TensorBoard`, `history.history` and keras-tuner objectives see them.
    Put this callback before the ones that read its keys: Keras calls
    callbacks in list order.

    For a conditional model (one with `num_classes`, e.g. `ConditionalGAN`)
    the generated images are requested with the real data's labels when
    `real_data` carries them (`(images, labels)`), cycled to `num_samples`,
    else with the classes in turn (0, 1, 2, ...); `"class_accuracy"` is the
    fraction of generated images that `classifier` assigns to the requested
    class (`val_class_accuracy`; 1/num_classes is chance). `"intra_fid"`
    is the intra-class FID (Miyato & Koyama, 2018, as PyTorch-StudioGAN
    reports it): for each class, the FID between the real images of that
    class and the images generated for it; `val_intra_fid` is their mean
    and `intra_fid_per_class` (a dict, also in `results`) holds each.

    Every result says which network measured it: `description` names the
    extractor and resize (e.g. `FID Inception-v3 (pt_inception-2015-12-05),
    resize=clean`), and each entry of `results` carries it as `extractor`.

    Args:
        real_data: Real images as floats in [-1, 1] (array, `(images,
            labels)`, `tf.data.Dataset` or any iterable of batches); checked
            when the callback is made (arrays whole, datasets on their first
            batch; all the images read are checked again before their
            features are computed).
        metrics: Names among `"fid"`, `"kid"`, `"is"`, `"precision"`,
            `"recall"`, `"density"`, `"coverage"`, `"prdc"` (all four),
            `"class_accuracy"` and `"intra_fid"` (conditional models; the
            latter needs `(images, labels)` real data and at least 2 real
            and 2 generated images per class).
        every_n_epochs: Evaluation period.
        num_samples: Generated images per evaluation.
        num_real: Real images used (at most).
        feature_extractor: Model mapping images to features; None or
            `"auto"`: `default_feature_extractor()`, the FID Inception
            network (`InceptionFeatureExtractor`, clean-fid resizing) when
            its weights are on this machine, else the bundled digits
            classifier with a warning. For the digits,
            `DigitsFeatureExtractor()`.
        classifier: Model mapping images to class probabilities, for `"is"`
            and `"class_accuracy"`; defaults to the extractor's
            `"probabilities"` variant (the FID network's 1,008-way softmax,
            sharing its weights; for `DigitsFeatureExtractor`, the bundled
            digit classifier).
        reference_statistics: FID against precomputed real statistics
            instead of `real_data`'s features: a `.npz` path with `mu` and
            `sigma` (pytorch-fid's layout, `metrics.save_statistics`) or a
            `(mu, sigma)` pair, from the same extractor and resize (a file
            written by `save_statistics` records its extractor; a different
            one is an error). `real_data` is still used for the other
            metrics.
        kid_subset_size: Subset size for KID; defaults to
            `min(1000, num_samples, real images)`.
        kid_subsets: Number of KID subsets.
        prdc_k: Neighbourhood size of PRDC.
        batch_size: Images per generator and extractor call.
        seed: Seed of the fixed latent vectors and KID subsets.
        generator: Generator to use instead of `model.generator`.

    Raises:
        ValueError: at construction, real images that are not floats in
            [-1, 1]: 8-bit or integer images, NaN or inf, values outside the
            range (the message says what was received and how to rescale:
            `keras_gan_layers.datasets.scale_images`), so that no training is
            lost; unknown metrics or counts below 1; an unreadable
            `reference_statistics`. At the start of `fit`: `"class_accuracy"`
            or `"intra_fid"` with an unconditional model, `"intra_fid"`
            without real labels.

    Example:

    ```python
    evaluation = GANEvaluation(images, metrics=("kid", "fid"),
                               feature_extractor=DigitsFeatureExtractor(),
                               num_samples=500)
    gan.fit(images, epochs=10, callbacks=[
        evaluation,
        keras.callbacks.ModelCheckpoint("best.keras", monitor="val_kid",
                                        mode="min", save_best_only=True),
    ])
    ```
    """

    def __init__(
        self,
        real_data,
        metrics=("kid", "fid"),
        every_n_epochs=1,
        num_samples=1000,
        num_real=10000,
        feature_extractor=None,
        classifier=None,
        kid_subset_size=None,
        kid_subsets=100,
        prdc_k=5,
        batch_size=64,
        seed=0,
        generator=None,
        reference_statistics=None,
    ):
        super().__init__()
        if isinstance(metrics, str):
            metrics = (metrics,)
        unknown = [m for m in metrics if m not in METRICS]
        if unknown or not metrics:
            raise ValueError(
                f"Unknown metrics {unknown}; choose from {', '.join(METRICS)}."
            )
        names = []
        for m in metrics:
            names.extend(PRDC if m == "prdc" else [m])
        self.metric_names = list(dict.fromkeys(names))
        for name, value in (
            ("every_n_epochs", every_n_epochs),
            ("num_samples", num_samples),
            ("num_real", num_real),
            ("batch_size", batch_size),
        ):
            if int(value) < 1:
                raise ValueError(f"{name} must be >= 1. Received: {name}={value}")
        if int(num_samples) < 2:
            raise ValueError(
                f"num_samples must be >= 2. Received: num_samples={num_samples}"
            )
        self.real_data = check_real_images(real_data)
        self.every_n_epochs = int(every_n_epochs)
        self.num_samples = int(num_samples)
        self.num_real = int(num_real)
        self.feature_extractor = feature_extractor
        self.classifier = classifier
        self.kid_subset_size = kid_subset_size
        self.kid_subsets = int(kid_subsets)
        self.prdc_k = int(prdc_k)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.generator = generator
        self.reference_statistics = None
        if reference_statistics is not None:
            from keras_gan_layers.metrics.statistics_files import (
                as_reference_statistics,
            )

            self.reference_statistics = as_reference_statistics(
                reference_statistics, "GANEvaluation"
            )
        self.intra_fid_per_class = {}
        self._real_features = None
        self._real_labels = None
        self._real = None
        self._latents = None
        self.results = []

    # ----------------------------------------------------------- internals
    def _extractor(self):
        if self.feature_extractor is None or isinstance(self.feature_extractor, str):
            from keras_gan_layers.metrics.streaming import resolve_extractor

            self.feature_extractor = resolve_extractor(self.feature_extractor or "auto")
        return self.feature_extractor

    @property
    def description(self):
        """Which extractor (network, weights, resize) produces the numbers."""
        extractor = self._extractor()
        return getattr(extractor, "description", None) or type(extractor).__name__

    def _classifier(self):
        if self.classifier is None:
            from keras_gan_layers.metrics import (
                DigitsFeatureExtractor,
                InceptionFeatureExtractor,
            )

            extractor = self._extractor()
            if isinstance(extractor, DigitsFeatureExtractor):
                self.classifier = DigitsFeatureExtractor(output="probabilities")
            elif isinstance(extractor, InceptionFeatureExtractor):
                self.classifier = extractor.with_output("probabilities")
            else:
                raise ValueError(
                    "GANEvaluation needs classifier=... (a model returning class "
                    "probabilities) to compute the Inception Score or the class "
                    "accuracy with a custom feature extractor."
                )
        return self.classifier

    def _needs_features(self):
        return any(m not in ("is", "class_accuracy") for m in self.metric_names)

    def _needs_real_features(self):
        return any(
            m not in ("is", "class_accuracy")
            and not (m == "fid" and self.reference_statistics is not None)
            for m in self.metric_names
        )

    def _conditional(self):
        generator = resolve_generator(self.model, self.generator, "GANEvaluation")
        inputs = getattr(generator, "inputs", None) or [None]
        return getattr(self.model, "num_classes", None) and len(inputs) == 2

    def _requested_labels(self):
        """Labels of the generated images for a conditional model, else None."""
        if not self._conditional():
            return None
        if self._real_labels is None:
            labels = self._real_class_ids()
            num_classes = self.model.num_classes
            self._real_labels = (
                np.arange(self.num_samples, dtype="int32") % num_classes
                if labels is None
                else np.resize(labels, self.num_samples)
            )
        return self._real_labels

    def _real_images_and_labels(self):
        """The real images and labels, read once (a reshuffling dataset read
        twice would pair images with other images' labels)."""
        if self._real is None:
            self._real = _images_and_labels(self.real_data, self.num_real)
        return self._real

    def _real_class_ids(self):
        """The real labels as int class ids `(n,)` (one-hot rows accepted)."""
        labels = self._real_images_and_labels()[1]
        if labels is None:
            return None
        from keras_gan_layers.models.data_checks import check_labels

        return check_labels(
            labels, self.model.num_classes, "GANEvaluation real_data labels"
        )

    def _generate(self):
        generator = resolve_generator(self.model, self.generator, "GANEvaluation")
        if self._latents is None:
            self._latents = fixed_latents(
                self.model, generator, self.num_samples, self.seed
            )
        return generate_numpy(
            generator, self._latents, self.batch_size, labels=self._requested_labels()
        )

    def on_train_begin(self, logs=None):
        self.check_model()

    def check_model(self):
        """Errors that depend on the model, raised before any training."""
        for name in ("class_accuracy", "intra_fid"):
            if name in self.metric_names and not self._conditional():
                raise ValueError(
                    f"GANEvaluation metric {name!r} needs a conditional model "
                    "(one with num_classes, e.g. ConditionalGAN, and a generator "
                    "taking [latents, labels]). Received a "
                    f"{type(self.model).__name__}."
                )
        if "intra_fid" in self.metric_names:
            if self._real_images_and_labels()[1] is None:
                raise ValueError(
                    "GANEvaluation metric 'intra_fid' needs the real images' "
                    "labels: pass real_data=(images, labels)."
                )
        self._requested_labels()  # bad real labels fail now, not after an epoch
        if self.reference_statistics is not None:
            stored = self.reference_statistics[2]
            if stored is not None and stored != self.description:
                raise ValueError(
                    "GANEvaluation reference_statistics were computed with "
                    f"{stored!r}, but this evaluation extracts features with "
                    f"{self.description!r}; FID between them is meaningless. "
                    "Use the same extractor and resize, or recompute the "
                    "statistics."
                )
            if "fid" in self.metric_names:
                from keras_gan_layers.metrics.streaming import extract

                probe = self._real_images_and_labels()[0][:2]
                dim = extract(self._extractor(), probe, len(probe)).shape[1]
                reference = len(self.reference_statistics[0])
                if dim != reference:
                    raise ValueError(
                        f"GANEvaluation reference_statistics are {reference}-d, "
                        f"but {self.description} gives {dim}-d features. Use "
                        "statistics computed with this extractor."
                    )

    def _intra_fid(self, real_features, fake_features):
        from keras_gan_layers.metrics import frechet_distance_from_features

        real_labels = self._real_class_ids()
        fake_labels = self._requested_labels()
        per_class = {}
        for c in range(int(self.model.num_classes)):
            real_c = real_features[real_labels == c]
            fake_c = fake_features[fake_labels == c]
            if len(real_c) < 2 or len(fake_c) < 2:
                raise ValueError(
                    f"GANEvaluation intra_fid needs at least 2 real and 2 "
                    f"generated images of every class; class {c} has "
                    f"{len(real_c)} real and {len(fake_c)} generated. Raise "
                    "num_samples/num_real or give more real images of it."
                )
            per_class[c] = frechet_distance_from_features(real_c, fake_c)
        self.intra_fid_per_class = per_class
        return float(np.mean(list(per_class.values())))

    def evaluate(self):
        """Compute the metrics now; return them as a dict (`val_` keys)."""
        from keras_gan_layers.metrics import (
            FeatureStatistics,
            frechet_distance,
            inception_score,
            kernel_distance,
            precision_recall_density_coverage,
        )
        from keras_gan_layers.metrics.streaming import extract

        if self._real_features is None and self._needs_real_features():
            real = self._real_images_and_labels()[0]
            if real.ndim != 4:
                raise ValueError(
                    "GANEvaluation real_data must be images (n, height, width, "
                    f"channels). Received shape {real.shape}."
                )
            self._real_features = extract(
                self._extractor(),
                real,
                self.batch_size,
                "real images",
                "GANEvaluation",
            )
        fake = self._generate()
        out = {}
        if self._needs_features():
            fake_features = extract(self._extractor(), fake, self.batch_size)
            real_features = self._real_features
        if "fid" in self.metric_names:
            fake_stats = FeatureStatistics()
            fake_stats.update(fake_features)
            if self.reference_statistics is not None:
                real_mu, real_sigma = self.reference_statistics[:2]
            else:
                real_stats = FeatureStatistics()
                real_stats.update(real_features)
                real_mu, real_sigma = real_stats.mean(), real_stats.covariance()
            out["val_fid"] = frechet_distance(
                real_mu, real_sigma, fake_stats.mean(), fake_stats.covariance()
            )
        if "intra_fid" in self.metric_names:
            out["val_intra_fid"] = self._intra_fid(real_features, fake_features)
        if "kid" in self.metric_names:
            size = self.kid_subset_size or min(
                1000, len(fake_features), len(real_features)
            )
            out["val_kid"], out["val_kid_std"] = kernel_distance(
                real_features,
                fake_features,
                subsets=self.kid_subsets,
                subset_size=size,
                seed=self.seed,
            )
        if "is" in self.metric_names:
            probabilities = extract(self._classifier(), fake, self.batch_size)
            out["val_is"] = inception_score(
                probabilities, splits=min(10, len(probabilities))
            )[0]
        if "class_accuracy" in self.metric_names:
            probabilities = extract(self._classifier(), fake, self.batch_size)
            out["val_class_accuracy"] = float(
                np.mean(probabilities.argmax(axis=-1) == self._requested_labels())
            )
        prdc_names = [m for m in self.metric_names if m in PRDC]
        if prdc_names:
            prdc = precision_recall_density_coverage(
                real_features, fake_features, k=self.prdc_k
            )
            for name in prdc_names:
                out[f"val_{name}"] = prdc[name]
        return out

    # -------------------------------------------------------------- hooks
    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        values = self.evaluate()
        entry = {"epoch": epoch + 1, **values, "extractor": self.description}
        if "intra_fid" in self.metric_names:
            entry["intra_fid_per_class"] = dict(self.intra_fid_per_class)
        self.results.append(entry)
        if logs is not None:
            logs.update(values)

    def get_config(self):
        """Constructor arguments other than data and models."""
        return {
            "metrics": list(self.metric_names),
            "every_n_epochs": self.every_n_epochs,
            "num_samples": self.num_samples,
            "num_real": self.num_real,
            "kid_subset_size": self.kid_subset_size,
            "kid_subsets": self.kid_subsets,
            "prdc_k": self.prdc_k,
            "batch_size": self.batch_size,
            "seed": self.seed,
        }
