"""Train the digits classifier shipped in keras_gan_layers/metrics/assets/.

    python scripts/train_digits_classifier.py

Trains `build_digits_classifier()` on 80% of scikit-learn's 8x8 digits
(stratified, seed 0), with small random shifts as augmentation, measures
accuracy on the held-out 20%, and writes the weights and a JSON report
(test accuracy, split, epochs, versions) next to each other.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from keras_gan_layers.datasets import load_digits  # noqa: E402
from keras_gan_layers.metrics.digits import REPORT, WEIGHTS, build_digits_classifier  # noqa: E402

EPOCHS = 60


def shifted(images, rng):
    """Random shifts of up to one pixel (background value -1 fills in)."""
    out = np.full_like(images, -1.0)
    for i, image in enumerate(images):
        dy, dx = rng.integers(-1, 2, size=2)
        src = image[max(0, -dy) : 8 - max(0, dy), max(0, -dx) : 8 - max(0, dx)]
        out[
            i,
            max(0, dy) : max(0, dy) + src.shape[0],
            max(0, dx) : max(0, dx) + src.shape[1],
        ] = src
    return out


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images, labels = load_digits(return_labels=True)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.2, random_state=0, stratify=labels
    )
    model = build_digits_classifier()
    classifier = keras.Model(model.input, model.outputs[1])  # shares the layers
    classifier.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    for _ in range(EPOCHS):
        classifier.fit(
            shifted(x_train, rng), y_train, batch_size=64, epochs=1, verbose=0
        )
    _, probabilities = model.predict(x_test, verbose=0)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == y_test))
    os.makedirs(os.path.dirname(WEIGHTS), exist_ok=True)
    model.save_weights(WEIGHTS)
    report = {
        "test_accuracy": accuracy,
        "test_samples": int(len(x_test)),
        "train_samples": int(len(x_train)),
        "split": "sklearn train_test_split(test_size=0.2, random_state=0, stratify=labels)",
        "epochs": EPOCHS,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
    }
    with open(REPORT, "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))
    print(f"weights: {WEIGHTS} ({os.path.getsize(WEIGHTS)} bytes)")


if __name__ == "__main__":
    main()
