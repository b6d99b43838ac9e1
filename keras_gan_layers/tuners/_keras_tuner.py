"""Import keras-tuner with a message that says how to install it."""


def import_keras_tuner():
    try:
        import keras_tuner
    except ImportError as e:
        raise ImportError(
            "keras_gan_layers.tuners needs keras-tuner and the packages it "
            'imports at run time: pip install "keras-gan-layers[tuner]" '
            f"(keras-tuner, tensorboard, six). ({e})"
        ) from e
    return keras_tuner
