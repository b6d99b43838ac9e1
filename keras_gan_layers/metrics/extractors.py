"""Feature extractors: Inception-v3 (the standard) and the bundled digits classifier."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.metrics import digits

OUTPUTS = ("features", "probabilities")


def _check_output(output, cls):
    if output not in OUTPUTS:
        raise ValueError(
            f"{cls} output must be 'features' or 'probabilities'. Received: output={output!r}"
        )


def _prepare(images, size, channels):
    """Float32 images, 1 or 3 channels matched to the network, resized with antialiasing."""
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
    if tuple(images.shape[1:3]) != tuple(size):
        images = ops.image.resize(images, size, interpolation="bicubic", antialias=True)
    return images


@keras_gan_export()
class InceptionFeatureExtractor(keras.layers.Layer):
    """Inception-v3 pool features (2048-d) or class probabilities (1,008 -> 1,000).

    Takes images in [-1, 1] of any size (the range Keras' Inception-v3
    expects after its `preprocess_input`), grayscale repeated to 3 channels,
    resized to 299x299 with antialiased bicubic resizing
    (`keras.ops.image.resize(..., interpolation="bicubic", antialias=True)`).
    FID and KID values therefore follow this resizing and Keras' ImageNet
    weights; they are comparable with each other, and close to but not
    bit-identical with pytorch-fid's (which uses the TF-slim 2015 graph).

    Args:
        weights: `"imagenet"` (downloaded by Keras on first use) or None
            (random weights, for tests).
        output: `"features"` (2048-d average-pool features, for FID/KID/PRDC)
            or `"probabilities"` (ImageNet softmax, for the Inception Score).

    Example:

    ```python
    extractor = InceptionFeatureExtractor()
    features = extractor(images)  # (n, 2048)
    ```

    Reference:
    - [Szegedy et al., 2016](https://arxiv.org/abs/1512.00567)
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    """

    def __init__(self, weights="imagenet", output="features", **kwargs):
        super().__init__(**kwargs)
        _check_output(output, "InceptionFeatureExtractor")
        self.weights_source = weights
        self.output_kind = output
        try:
            base = keras.applications.InceptionV3(include_top=True, weights=weights)
        except Exception as e:
            raise RuntimeError(
                "Could not build Inception-v3 with weights="
                f"{weights!r} ({type(e).__name__}: {e}). Keras downloads the "
                "ImageNet weights on first use; offline, pass a feature_extractor "
                "of your own (e.g. DigitsFeatureExtractor() for the digits)."
            ) from e
        pooled = base.get_layer("avg_pool").output
        self.network = keras.Model(base.input, [pooled, base.output])

    def call(self, images):
        features, probabilities = self.network(
            _prepare(images, (299, 299), 3), training=False
        )
        return features if self.output_kind == "features" else probabilities

    def get_config(self):
        return {
            **super().get_config(),
            "weights": self.weights_source,
            "output": self.output_kind,
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

    def __init__(self, output="features", **kwargs):
        super().__init__(**kwargs)
        _check_output(output, "DigitsFeatureExtractor")
        self.output_kind = output
        self.network = digits.build_digits_classifier()
        self.network.load_weights(digits.WEIGHTS)

    def call(self, images):
        features, probabilities = self.network(
            _prepare(images, (8, 8), 1), training=False
        )
        return features if self.output_kind == "features" else probabilities

    def get_config(self):
        return {**super().get_config(), "output": self.output_kind}
