"""Streaming `keras.metrics.Metric` classes: FID, KID and Inception Score.

They run eagerly (in callbacks and evaluation loops), keep their statistics
in float64 on the host and take images through a pluggable feature
extractor (any Keras model or layer mapping images to features), or
features directly when `feature_extractor=None`. Images given to an
extractor must be floats in [-1, 1]: 8-bit or other integer images, NaN or
inf and values outside [-1, 1] raise a ValueError in `update_state`
(`keras_gan_layers.metrics.checks.check_images`), instead of a silently
meaningless FID of 1e7.
"""

import keras
import numpy as np

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.metrics.checks import check_images
from keras_gan_layers.metrics.frechet import FeatureStatistics, frechet_distance
from keras_gan_layers.metrics.inception_score import DEFAULT_SEED, inception_score
from keras_gan_layers.metrics.kernel import kernel_distance


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
    chunks = [
        keras.ops.convert_to_numpy(extractor(x[i : i + batch_size]))
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(chunks).astype(np.float64)


class _FeatureMetric(keras.metrics.Metric):
    def __init__(self, feature_extractor=None, batch_size=64, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.feature_extractor = feature_extractor
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
        feature_extractor: Model mapping images in [-1, 1] to features, or
            None to pass features directly.
        batch_size: Images per extractor call.
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
    ```

    Reference:
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    """

    def __init__(self, feature_extractor=None, batch_size=64, name="fid", **kwargs):
        super().__init__(feature_extractor, batch_size, name=name, **kwargs)
        self.real_statistics = FeatureStatistics()
        self.fake_statistics = FeatureStatistics()

    def update_state(self, real=None, fake=None):
        if real is not None:
            self.real_statistics.update(self._features(real, "real images"))
        if fake is not None:
            self.fake_statistics.update(self._features(fake, "fake images"))

    def result(self):
        r, f = self.real_statistics, self.fake_statistics
        if r.dim is not None and f.dim is not None and r.dim != f.dim:
            raise ValueError(
                f"Real and fake features differ in dimension: {r.dim} and {f.dim}."
            )
        return frechet_distance(r.mean(), r.covariance(), f.mean(), f.covariance())

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
        feature_extractor: Model mapping images in [-1, 1] to features, or
            None to pass features directly.
        subsets, subset_size, degree, gamma, coef0, seed: As in
            `kernel_distance`.
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
        feature_extractor=None,
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
            (e.g. `InceptionFeatureExtractor(output="probabilities")`), or
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

    def __init__(
        self,
        classifier=None,
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
