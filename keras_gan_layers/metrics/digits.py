"""A small classifier of the 8x8 digits, shipped with the package for offline metrics."""

import json
import os

import keras

ASSETS = os.path.join(os.path.dirname(__file__), "assets")
WEIGHTS = os.path.join(ASSETS, "digits_classifier.weights.h5")
REPORT = os.path.join(ASSETS, "digits_classifier.json")


def build_digits_classifier():
    """The network of `DigitsFeatureExtractor`: 8x8x1 in [-1, 1] -> 10 classes.

    Returns a functional model with two outputs: the 64-d penultimate
    features and the class probabilities.
    """
    inputs = keras.Input((8, 8, 1), name="digit")
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3)(x)
    features = keras.layers.Dense(64, activation="relu", name="features")(x)
    probabilities = keras.layers.Dense(10, activation="softmax", name="probabilities")(
        features
    )
    return keras.Model(inputs, [features, probabilities], name="digits_classifier")


def training_report():
    """What `scripts/train_digits_classifier.py` recorded (test accuracy, ...)."""
    with open(REPORT) as f:
        return json.load(f)
