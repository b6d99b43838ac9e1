"""Feature extractors: the FID Inception-v3 (the standard) and the bundled digits classifier."""

import os
import warnings

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.metrics import digits
from keras_gan_layers.metrics.resize import check_mode, resize_images

OUTPUTS = ("features", "probabilities")
INCEPTION_OUTPUTS = ("features", "logits", "probabilities")
PUBLISHED_WEIGHTS = "pt_inception-2015-12-05"
INCEPTION_SIZE = (299, 299)


def _check_output(output, cls, accepted=OUTPUTS):
    if output not in accepted:
        raise ValueError(
            f"{cls} output must be one of {', '.join(repr(o) for o in accepted)}. "
            f"Received: output={output!r}"
        )


def _channels(images, channels):
    """Float32 images with 1 or 3 channels matched to the network."""
    images = ops.convert_to_tensor(images)
    if len(images.shape) != 4:
        raise ValueError(
            "Feature extractors take a batch of images (batch, height, width, "
            f"channels). Received shape {tuple(images.shape)}."
        )
    images = ops.cast(images, "float32")
    have = images.shape[-1]
    if have == 1 and channels == 3:
        images = ops.repeat(images, 3, axis=-1)
    elif have == 3 and channels == 1:
        images = ops.mean(images, axis=-1, keepdims=True)
    elif have != channels:
        raise ValueError(f"Images need 1 or 3 channels. Received {have}.")
    return images


def inception_input(images, resize="clean"):
    """Images in [-1, 1] -> the FID network's 299x299 input, as `resize` says.

    `"clean"`: 8-bit quantisation `round((x + 1) * 127.5)`, PIL bicubic to
    299x299 on float32, clipped to [0, 255], then `(u - 128) / 128` (the
    2015 graph's own normalisation, as clean-fid feeds it).
    `"pytorch-fid"`: `(x + 1) / 2`, bilinear (`align_corners=False`), then
    `2 x - 1`. Grayscale is repeated to 3 channels.
    """
    check_mode(resize, "inception_input")
    images = _channels(images, 3)
    if resize == "clean":
        pixels = ops.round(ops.clip((images + 1.0) * 127.5, 0.0, 255.0))
        pixels = ops.clip(resize_images(pixels, INCEPTION_SIZE, "clean"), 0.0, 255.0)
        return (pixels - 128.0) / 128.0
    unit = (images + 1.0) / 2.0
    return 2.0 * resize_images(unit, INCEPTION_SIZE, "pytorch-fid") - 1.0


@keras_gan_export()
class InceptionFeatureExtractor(keras.layers.Layer):
    """FID Inception-v3 features (2048-d pool3), logits or probabilities (1,008).

    The network is `fid_inception_v3`: pytorch-fid's port of the 2015
    TensorFlow Inception graph that the original FID code froze, with its
    published weights (`pt_inception-2015-12-05`), so that FID and KID are
    the figures papers quote. Images are floats in [-1, 1] of any size;
    grayscale is repeated to 3 channels. Before the network they are
    resized to 299x299 the way the tool named by `resize` does:

    - `"clean"` (default, clean-fid's `mode="clean"`, Parmar et al. 2022):
      quantised to 8 bits as when saved to disk
      (`round((x + 1) * 127.5)` in [0, 255]), PIL bicubic per channel on
      float32, clipped to [0, 255], no rounding afterwards, then
      normalised as the TensorFlow graph does, `(u - 128) / 128`.
    - `"pytorch-fid"` (pytorch-fid's `InceptionV3(resize_input=True)`):
      bilinear on the float images in [0, 1] (`align_corners=False`, no
      antialiasing), then `2 x - 1`.

    Resizing and the network run on the active backend's device, in
    float32 whatever the global mixed-precision policy.

    Args:
        weights: `"pt_inception-2015-12-05"` (the published FID weights:
            from the Keras cache, `~/.keras/models/`, downloaded there from
            pytorch-fid's release when missing), a path to that `.pth` file
            or to its `.npz` conversion
            (`scripts/convert_fid_inception_weights.py`), or None (random
            weights, for tests).
        output: `"features"` (2048-d pool3, for FID/KID/PRDC), `"logits"`
            (1,008) or `"probabilities"` (their softmax, for the Inception
            Score as torch-fidelity computes it).
        resize: `"clean"` or `"pytorch-fid"`, see above.

    Raises:
        ValueError: unknown `output` or `resize`, `weights="imagenet"`;
            in `call`, images that are not 4-D or have other than 1 or 3
            channels.
        RuntimeError: the published weights are neither cached nor
            downloadable (the message says where to put the file).

    Example:

    ```python
    extractor = InceptionFeatureExtractor()          # clean-fid resizing
    features = extractor(images)                     # (n, 2048)
    print(extractor.description)
    ```

    Reference:
    - [Szegedy et al., 2016](https://arxiv.org/abs/1512.00567)
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    - [Parmar et al., 2022](https://arxiv.org/abs/2104.11222)
    - [pytorch-fid](https://github.com/mseitzer/pytorch-fid)
    """

    def __init__(
        self, weights=PUBLISHED_WEIGHTS, output="features", resize="clean", **kwargs
    ):
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)
        _check_output(output, "InceptionFeatureExtractor", INCEPTION_OUTPUTS)
        self.resize_mode = check_mode(resize, "InceptionFeatureExtractor")
        if weights == "imagenet":
            raise ValueError(
                "InceptionFeatureExtractor computes FID with the FID Inception "
                "network, not Keras' ImageNet Inception-v3. Pass "
                f"weights={PUBLISHED_WEIGHTS!r} (the published FID weights), a "
                "path to them, or None (random, for tests)."
            )
        if isinstance(weights, os.PathLike):
            weights = os.fspath(weights)
        if weights is not None and not isinstance(weights, str):
            raise ValueError(
                "InceptionFeatureExtractor weights must be "
                f"{PUBLISHED_WEIGHTS!r}, a path to the .pth/.npz weights file, or "
                f"None. Received {type(weights).__name__}. For a dict of arrays, "
                "use load_fid_inception_weights(extractor.network, arrays)."
            )
        if weights not in (None, PUBLISHED_WEIGHTS) and not os.path.isfile(weights):
            raise ValueError(
                f"InceptionFeatureExtractor weights {weights!r} is neither "
                f"{PUBLISHED_WEIGHTS!r} (the published FID weights) nor an "
                "existing .pth/.npz file."
            )
        from keras_gan_layers.metrics.fid_inception import fid_inception_v3

        self.weights_source = weights
        self.output_kind = output
        self.network = fid_inception_v3(weights=weights)
        self._weights_pending = None

    @classmethod
    def from_config(cls, config):
        """Rebuild; the weights come from `weights` when they are on this
        machine, else from the saved model being loaded (`.keras`), which
        restores them after this; a layer left without either refuses to
        run (no random-weight features)."""
        config = dict(config)
        source = config.pop("weights", PUBLISHED_WEIGHTS)
        from keras_gan_layers.metrics.fid_inception import fid_inception_weights_path

        available = source is None or (
            fid_inception_weights_path() is not None
            if source == PUBLISHED_WEIGHTS
            else os.path.isfile(source)
        )
        if available:
            return cls(weights=source, **config)
        layer = cls(weights=None, **config)
        layer.weights_source = source
        layer._weights_pending = source
        return layer

    def load_own_variables(self, store):
        # Called when a saved model holding this layer is loaded: the
        # network's weights are restored from the file.
        super().load_own_variables(store)
        self._weights_pending = None

    def with_output(self, output):
        """The same network (weights shared, not copied) with another `output`."""
        _check_output(output, "InceptionFeatureExtractor", INCEPTION_OUTPUTS)
        other = InceptionFeatureExtractor.__new__(InceptionFeatureExtractor)
        keras.layers.Layer.__init__(other, dtype="float32")
        other.resize_mode = self.resize_mode
        other.weights_source = self.weights_source
        other.output_kind = output
        other.network = self.network
        other._weights_pending = getattr(self, "_weights_pending", None)
        return other

    @property
    def description(self):
        """Which network, weights and resize produced the features."""
        weights = (
            "random weights" if self.weights_source is None else self.weights_source
        )
        return f"FID Inception-v3 ({weights}), resize={self.resize_mode}"

    def __call__(self, images, *args, **kwargs):
        # Symbolic calls (a saved model being rebuilt before its weights
        # are loaded) pass; computing features with placeholder weights
        # does not.
        pending = getattr(self, "_weights_pending", None)
        if pending is not None and not isinstance(images, keras.KerasTensor):
            raise ValueError(
                "This InceptionFeatureExtractor was rebuilt from a config whose "
                f"weights ({pending!r}) are not on this machine, and no saved "
                "weights were loaded into it. Put the weights file there, or "
                "load the whole saved model (.keras)."
            )
        return super().__call__(images, *args, **kwargs)

    def call(self, images):
        features, logits = self.network(
            inception_input(images, self.resize_mode), training=False
        )
        if self.output_kind == "features":
            return features
        if self.output_kind == "logits":
            return logits
        return ops.softmax(logits, axis=-1)

    def get_config(self):
        return {
            **super().get_config(),
            "weights": self.weights_source,
            "output": self.output_kind,
            "resize": self.resize_mode,
        }


@keras_gan_export()
class DigitsFeatureExtractor(keras.layers.Layer):
    """Features or class probabilities of the bundled 8x8 digits classifier.

    A small CNN trained by `scripts/train_digits_classifier.py` on 80% of
    scikit-learn's digits (its held-out accuracy is in
    `keras_gan_layers/metrics/assets/digits_classifier.json`), shipped as a
    weights file so that FID/KID/IS on the default job work offline. Images
    in [-1, 1] of any size are resized to 8x8 (antialiased bicubic) and
    averaged to one channel. Its numbers are for comparing models on the
    digits, not with published Inception-based figures.

    Args:
        output: `"features"` (64-d penultimate layer) or `"probabilities"`
            (10 classes).

    Example:

    ```python
    fid = FrechetDistance(DigitsFeatureExtractor())
    ```
    """

    description = "bundled digits classifier (8x8, offline)"

    def __init__(self, output="features", **kwargs):
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)
        _check_output(output, "DigitsFeatureExtractor")
        self.output_kind = output
        self.network = digits.build_digits_classifier()
        self.network.load_weights(digits.WEIGHTS)

    def call(self, images):
        images = _channels(images, 1)
        if tuple(images.shape[1:3]) != (8, 8):
            images = ops.image.resize(
                images, (8, 8), interpolation="bicubic", antialias=True
            )
        features, probabilities = self.network(images, training=False)
        return features if self.output_kind == "features" else probabilities

    def get_config(self):
        return {**super().get_config(), "output": self.output_kind}


@keras_gan_export()
def default_feature_extractor(output="features", resize="clean"):
    """The extractor the metrics use when none is given.

    `InceptionFeatureExtractor(output=output, resize=resize)` with the
    published FID weights when they are on this machine (the Keras cache,
    see `fid_inception_weights_path`; this function never downloads), else
    the bundled `DigitsFeatureExtractor(output=...)` with a warning that
    says so and how to get the weights. The chosen extractor's
    `description` names it; `GANEvaluation` and `keras-gan evaluate`
    report it with every number.

    Args:
        output: `"features"` or `"probabilities"`.
        resize: Resize mode of the Inception extractor (`"clean"`,
            `"pytorch-fid"`).

    Returns:
        A Keras layer mapping images in [-1, 1] to features.

    Example:

    ```python
    extractor = default_feature_extractor()
    print(extractor.description)
    ```
    """
    _check_output(output, "default_feature_extractor")
    check_mode(resize, "default_feature_extractor")
    from keras_gan_layers.metrics.fid_inception import (
        FID_WEIGHTS_FILE,
        fid_inception_weights_path,
    )

    path = fid_inception_weights_path()
    if path is not None:
        return InceptionFeatureExtractor(weights=path, output=output, resize=resize)
    warnings.warn(
        "The FID Inception weights are not on this machine, so the metrics use "
        "the bundled digits classifier (numbers comparable between models on "
        "8x8-digit-like images only, not with published FID). For published-"
        "comparable FID, download "
        f"{FID_WEIGHTS_FILE} into ~/.keras/models/ (InceptionFeatureExtractor() "
        "downloads it when online).",
        stacklevel=2,
    )
    return DigitsFeatureExtractor(output=output)
