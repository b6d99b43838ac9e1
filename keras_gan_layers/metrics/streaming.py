"""Streaming `keras.metrics.Metric` classes: FID, KID and Inception Score.

They run eagerly (in callbacks and evaluation loops), keep their statistics
in float64 on the host and take images through a pluggable feature
extractor (any Keras model or layer mapping images to features; by default
`"auto"`, see `default_feature_extractor`), or features directly when
`feature_extractor=None`. Images given to an
extractor must be floats in [-1, 1]: 8-bit or other integer images, NaN or
inf and values outside [-1, 1] raise a ValueError in `update_state`
(`keras_gan_layers.metrics.checks.check_images`), instead of a silently
meaningless FID of 1e7.
"""

import os

import keras
import numpy as np

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.metrics.checks import check_images
from keras_gan_layers.metrics.frechet import FeatureStatistics, frechet_distance
from keras_gan_layers.metrics.inception_score import DEFAULT_SEED, inception_score
from keras_gan_layers.metrics.kernel import kernel_distance
from keras_gan_layers.metrics.statistics_files import as_reference_statistics


def extract(extractor, x, batch_size=64, what="images", caller=None):
    """Features of `x` as float64 numpy: `extractor` in batches, or `x` itself.

    With an extractor and a `caller` (the name the error messages give),
    the images are first checked with `check_images`: floats in [-1, 1].
    """
    if extractor is None:
        return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)
    x = keras.ops.convert_to_numpy(x)
    if x.ndim != 4:
        raise ValueError(
            "Expected a batch of images (batch, height, width, channels) for the "
            f"feature extractor. Received shape {x.shape}."
        )
    if caller is not None:
        check_images(x, what, caller)
    run = _compiled(extractor, x.shape[1:])
    chunks = [run(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    return np.concatenate(chunks).astype(np.float64)


def _compiled(extractor, image_shape):
    """`extractor` as a compiled function of numpy batches of `image_shape`.

    Keras layers and models run through `predict_on_batch` (a `tf.function`,
    `jax.jit` or `torch.no_grad` step on the backend's device: 1.3-1.5x the
    eager speed of the FID network on CPU, more on accelerators); the
    wrapper is cached on the extractor per image shape. Other callables are
    called as they are.
    """
    if not isinstance(extractor, keras.layers.Layer):
        return lambda batch: keras.ops.convert_to_numpy(extractor(batch))
    cache = extractor.__dict__.setdefault("_kgl_compiled", {})
    key = tuple(image_shape)
    if key not in cache:
        if isinstance(extractor, keras.Model) and _takes_any_shape(extractor, key):
            model = extractor
        else:
            inputs = keras.Input(key)
            model = keras.Model(inputs, extractor(inputs))
        cache[key] = model
    model = cache[key]
    return lambda batch: np.asarray(model.predict_on_batch(batch))


def _takes_any_shape(model, image_shape):
    inputs = getattr(model, "inputs", None)
    if not inputs or len(inputs) != 1:
        return False
    expected = tuple(inputs[0].shape[1:])
    return len(expected) == len(image_shape) and all(
        e is None or e == g for e, g in zip(expected, image_shape)
    )


def resolve_extractor(extractor, output="features"):
    """`"auto"` -> `default_feature_extractor(output)`; anything else as given."""
    if isinstance(extractor, str):
        if extractor != "auto":
            raise ValueError(
                "feature_extractor must be 'auto' (the FID Inception network when "
                "its weights are on this machine, else the bundled digits "
                "classifier), a Keras model or layer, or None (features given "
                f"directly). Received: {extractor!r}"
            )
        from keras_gan_layers.metrics.extractors import default_feature_extractor

        return default_feature_extractor(output)
    return extractor


class _FeatureMetric(keras.metrics.Metric):
    _output = "features"

    def __init__(self, feature_extractor="auto", batch_size=64, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.feature_extractor = resolve_extractor(feature_extractor, self._output)
        self.batch_size = int(batch_size)

    def _features(self, x, what):
        return extract(
            self.feature_extractor, x, self.batch_size, what, type(self).__name__
        )

    def get_config(self):
        return {
            "name": self.name,
            "feature_extractor": keras.saving.serialize_keras_object(
                self.feature_extractor
            ),
            "batch_size": self.batch_size,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["feature_extractor"] = keras.saving.deserialize_keras_object(
            config.get("feature_extractor")
        )
        return cls(**config)


@keras_gan_export()
class FrechetDistance(_FeatureMetric):
    """Streaming Frechet distance (FID with Inception features).

    `update_state(real=..., fake=...)` accumulates float64 means and
    covariances of the features (memory independent of the sample count,
    result independent of batching); `result()` returns the distance.

    Args:
        feature_extractor: Model mapping images in [-1, 1] to features,
            `"auto"` (the FID Inception network when its weights are on this
            machine, else the bundled digits classifier with a warning; see
            `default_feature_extractor`), or None to pass features directly.
        batch_size: Images per extractor call.
        reference_statistics: Precomputed real statistics instead of real
            images: a path to a `.npz` with `mu` and `sigma` (pytorch-fid's
            layout, `save_statistics`) or a `(mu, sigma)` pair. They must
            come from the same extractor and resize as the fake features.
        name: Metric name.

    Raises:
        ValueError: in `update_state`, with a feature extractor, images that
            are not floats in [-1, 1] (8-bit or integer images, NaN or inf,
            values outside the range; the message says what was received
            and how to rescale: `keras_gan_layers.datasets.scale_images`),
            or not 4-D; without one, NaN or infinite features.

    Example:

    ```python
    fid = FrechetDistance(InceptionFeatureExtractor())
    for real, fake in batches:
        fid.update_state(real=real, fake=fake)
    print(fid.result())

    # against published dataset statistics (same extractor and resize):
    fid = FrechetDistance(reference_statistics="cifar10_stats.npz")
    fid.update_state(fake=generated_images)
    ```

    Reference:
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    """

    def __init__(
        self,
        feature_extractor="auto",
        batch_size=64,
        reference_statistics=None,
        name="fid",
        **kwargs,
    ):
        super().__init__(feature_extractor, batch_size, name=name, **kwargs)
        if isinstance(reference_statistics, os.PathLike):
            reference_statistics = os.fspath(reference_statistics)
        self.reference_statistics = reference_statistics
        self._reference = None
        if reference_statistics is not None:
            self._reference = as_reference_statistics(
                reference_statistics, "FrechetDistance"
            )
            stored = self._reference[2]
            ours = getattr(self.feature_extractor, "description", None)
            if stored is not None and ours is not None and stored != ours:
                raise ValueError(
                    f"FrechetDistance reference_statistics were computed with "
                    f"{stored!r}, but the feature extractor is {ours!r}; FID "
                    "between them is meaningless. Use the same extractor and "
                    "resize, or recompute the statistics."
                )
        self.real_statistics = FeatureStatistics()
        self.fake_statistics = FeatureStatistics()

    def update_state(self, real=None, fake=None):
        if real is not None:
            if self._reference is not None:
                raise ValueError(
                    "FrechetDistance was given reference_statistics, so it takes "
                    "only fake samples; update_state(real=...) would mix two "
                    "references."
                )
            self.real_statistics.update(self._features(real, "real images"))
        if fake is not None:
            features = self._features(fake, "fake images")
            if self._reference is not None and features.ndim == 2:
                reference = len(self._reference[0])
                if features.shape[1] != reference:
                    raise ValueError(
                        f"FrechetDistance reference_statistics are {reference}-d, "
                        f"but the fake features are {features.shape[1]}-d. Use "
                        "statistics computed with this feature extractor."
                    )
            self.fake_statistics.update(features)

    def result(self):
        r, f = self.real_statistics, self.fake_statistics
        if self._reference is not None:
            mu, sigma = self._reference[:2]
            return frechet_distance(mu, sigma, f.mean(), f.covariance())
        if r.dim is not None and f.dim is not None and r.dim != f.dim:
            raise ValueError(
                f"Real and fake features differ in dimension: {r.dim} and {f.dim}."
            )
        return frechet_distance(r.mean(), r.covariance(), f.mean(), f.covariance())

    def get_config(self):
        reference = self.reference_statistics
        if reference is not None and not isinstance(reference, str):
            reference = [np.asarray(v).tolist() for v in reference[:2]] + list(
                reference[2:3]
            )
        return {**super().get_config(), "reference_statistics": reference}

    def reset_state(self):
        self.real_statistics.reset()
        self.fake_statistics.reset()


@keras_gan_export()
class KernelDistance(_FeatureMetric):
    """Streaming kernel distance (KID with Inception features).

    Keeps the features (the unbiased estimator needs them all) and returns
    the mean over subsets of `kernel_distance`; `result_std()` gives the
    spread. The result depends on the samples and `seed` only, not on their
    order or batching (`kernel_distance` sorts the rows before drawing).

    Args:
        feature_extractor: Model mapping images in [-1, 1] to features,
            `"auto"` (as `FrechetDistance`), or None to pass features
            directly.
        subsets: As in `kernel_distance`.
        subset_size: As in `kernel_distance`.
        degree: As in `kernel_distance`.
        gamma: As in `kernel_distance`.
        coef0: As in `kernel_distance`.
        seed: As in `kernel_distance`.
        batch_size: Images per extractor call.
        name: Metric name.

    Raises:
        ValueError: in `update_state`, with a feature extractor, images that
            are not floats in [-1, 1] (as `FrechetDistance`).

    Example:

    ```python
    kid = KernelDistance(DigitsFeatureExtractor(), subset_size=500)
    kid.update_state(real=real_images, fake=generated_images)
    kid.result()
    ```

    Reference:
    - [Binkowski et al., 2018](https://arxiv.org/abs/1801.01401)
    """

    def __init__(
        self,
        feature_extractor="auto",
        subsets=100,
        subset_size=1000,
        degree=3,
        gamma=None,
        coef0=1.0,
        seed=0,
        batch_size=64,
        name="kid",
        **kwargs,
    ):
        super().__init__(feature_extractor, batch_size, name=name, **kwargs)
        self.kernel_args = {
            "subsets": int(subsets),
            "subset_size": int(subset_size),
            "degree": degree,
            "gamma": gamma,
            "coef0": coef0,
            "seed": seed,
        }
        self.reset_state()

    def update_state(self, real=None, fake=None):
        if real is not None:
            self._real.append(self._features(real, "real images"))
        if fake is not None:
            self._fake.append(self._features(fake, "fake images"))

    def _compute(self):
        if not self._real or not self._fake:
            raise ValueError(
                "KernelDistance needs both real and fake samples before result()."
            )
        return kernel_distance(
            np.concatenate(self._real), np.concatenate(self._fake), **self.kernel_args
        )

    def result(self):
        return self._compute()[0]

    def result_std(self):
        return self._compute()[1]

    def reset_state(self):
        self._real, self._fake = [], []

    def get_config(self):
        return {**super().get_config(), **self.kernel_args}


@keras_gan_export()
class InceptionScore(_FeatureMetric):
    """Streaming Inception Score from a classifier's probabilities.

    Keeps the probabilities of the fake samples and returns
    `inception_score(all_probabilities, splits, seed)[0]`: the samples are
    shuffled with `seed` before they are split, so the value is the
    functional one on the same samples, whatever their order and however
    they were batched (one class per batch included).

    Args:
        classifier: Model mapping images in [-1, 1] to class probabilities
            (e.g. `InceptionFeatureExtractor(output="probabilities")`, the
            softmax of the FID network's 1,008 logits as torch-fidelity
            uses), `"auto"` (that one when the FID weights are on this
            machine, else the bundled digits classifier with a warning), or
            None to pass probabilities directly.
        splits: Number of splits.
        batch_size: Images per classifier call.
        seed: Seed of the shuffle before splitting; 2020 by default,
            torch-fidelity's default `rng_seed` (see `inception_score`).
        name: Metric name.

    Raises:
        ValueError: in `update_state`, with a classifier, images that are
            not floats in [-1, 1] (as `FrechetDistance`).

    Example:

    ```python
    score = InceptionScore(DigitsFeatureExtractor(output="probabilities"))
    score.update_state(fake=generated_images)
    score.result()
    ```

    Reference:
    - [Salimans et al., 2016](https://arxiv.org/abs/1606.03498)
    """

    _output = "probabilities"

    def __init__(
        self,
        classifier="auto",
        splits=10,
        batch_size=64,
        seed=DEFAULT_SEED,
        name="inception_score",
        **kwargs,
    ):
        super().__init__(classifier, batch_size, name=name, **kwargs)
        self.splits = int(splits)
        self.seed = int(seed)
        self.reset_state()

    def update_state(self, real=None, fake=None):
        if fake is not None:
            self._probabilities.append(self._features(fake, "fake images"))

    def result(self):
        if not self._probabilities:
            raise ValueError("InceptionScore needs fake samples before result().")
        return inception_score(
            np.concatenate(self._probabilities), self.splits, self.seed
        )[0]

    def reset_state(self):
        self._probabilities = []

    def get_config(self):
        config = super().get_config()
        config["classifier"] = config.pop("feature_extractor")
        return {**config, "splits": self.splits, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["classifier"] = keras.saving.deserialize_keras_object(
            config.get("classifier")
        )
        return cls(**config)
