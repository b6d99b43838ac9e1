"""Resolve loss identifiers (alias, config dict, instance) to `GANLoss`."""

import keras

from keras_gan_layers.losses.base import GANLoss
from keras_gan_layers.losses.hinge import HingeLoss
from keras_gan_layers.losses.least_squares import LeastSquaresLoss
from keras_gan_layers.losses.minimax import MinimaxLoss
from keras_gan_layers.losses.non_saturating import NonSaturatingLoss
from keras_gan_layers.losses.relativistic_average import RelativisticAverageLoss
from keras_gan_layers.losses.wasserstein import WassersteinLoss

#: String aliases accepted by `get` (and by `GAN.compile(loss=...)`).
ALIASES = {
    "bce": NonSaturatingLoss,
    "non_saturating": NonSaturatingLoss,
    "nsgan": NonSaturatingLoss,
    "minimax": MinimaxLoss,
    "lsgan": LeastSquaresLoss,
    "least_squares": LeastSquaresLoss,
    "wgan": WassersteinLoss,
    "wasserstein": WassersteinLoss,
    "hinge": HingeLoss,
    "ragan": RelativisticAverageLoss,
    "relativistic_average": RelativisticAverageLoss,
}

_CLASSES = {
    cls.__name__: cls
    for cls in (
        GANLoss,
        MinimaxLoss,
        NonSaturatingLoss,
        LeastSquaresLoss,
        WassersteinLoss,
        HingeLoss,
        RelativisticAverageLoss,
    )
}


def serialize(loss):
    """Config dict of a `GANLoss`, as `keras.saving.serialize_keras_object`."""
    return keras.saving.serialize_keras_object(loss)


def deserialize(config):
    """`GANLoss` from a config dict made by `serialize`."""
    return keras.saving.deserialize_keras_object(config, custom_objects=_CLASSES)


def get(identifier):
    """Resolve a loss identifier to a `GANLoss` instance.

    Works like `keras.losses.get`.

    Args:
        identifier: A `GANLoss` instance (returned as is), a string alias
            (see `ALIASES`: `"bce"`, `"minimax"`, `"lsgan"`, `"wgan"`,
            `"hinge"`, `"ragan"`, ...) or a config dict from `serialize`.

    Returns:
        A `GANLoss` instance.

    Raises:
        ValueError: the identifier is an unknown name or of another type.

    Example:

    ```python
    loss = keras_gan_layers.losses.get("hinge")
    loss = keras_gan_layers.losses.get({"class_name": "LeastSquaresLoss",
                                        "config": {"a": -1.0}})
    ```
    """
    if isinstance(identifier, GANLoss):
        return identifier
    if isinstance(identifier, str):
        key = identifier.strip().lower()
        if key in ALIASES:
            return ALIASES[key]()
        for name, cls in _CLASSES.items():
            if identifier == name and cls is not GANLoss:
                return cls()
        raise ValueError(
            f"Unknown GAN loss: {identifier!r}. Valid names are: "
            f"{', '.join(sorted(ALIASES))}."
        )
    if isinstance(identifier, dict):
        try:
            loss = deserialize(identifier)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"Could not deserialize the GAN loss config (class_name="
                f"{identifier.get('class_name')!r}): {e}. Expected the config "
                "of a GANLoss (losses.serialize(loss)) or one of: "
                f"{', '.join(sorted(ALIASES))}."
            ) from e
        if not isinstance(loss, GANLoss):
            raise ValueError(
                f"The config describes a {type(loss).__name__}, not a GANLoss. "
                "Expected the config of a GANLoss (losses.serialize(loss)) or "
                f"one of: {', '.join(sorted(ALIASES))}."
            )
        return loss
    raise ValueError(
        "Could not interpret GAN loss identifier: "
        f"{identifier!r} (type {type(identifier).__name__}). Expected a "
        "GANLoss instance, a config dict or one of: "
        f"{', '.join(sorted(ALIASES))}."
    )
