"""One decorator that registers every public class for Keras serialization."""

import keras

PACKAGE = "keras_gan_layers"


def keras_gan_export(name=None):
    """Register a class under the `keras_gan_layers` package.

    The registered name is `"keras_gan_layers>ClassName"`, so saved models
    (`.keras` files) that contain the object load back with
    `keras.saving.load_model` without `custom_objects`, in safe mode.
    """

    def decorator(obj):
        return keras.saving.register_keras_serializable(
            package=PACKAGE, name=name or obj.__name__
        )(obj)

    return decorator
