"""Resolve penalty identifiers (alias, config dict, instance)."""

import keras

from keras_gan_layers.penalties.base import Penalty
from keras_gan_layers.penalties.dragan import DRAGANPenalty
from keras_gan_layers.penalties.gradient_penalty import GradientPenalty
from keras_gan_layers.penalties.r1 import R1Penalty, R2Penalty

#: String aliases accepted by `get` and `GAN.compile(penalties=[...])`.
ALIASES = {
    "gp": GradientPenalty,
    "gradient_penalty": GradientPenalty,
    "r1": R1Penalty,
    "r2": R2Penalty,
    "dragan": DRAGANPenalty,
}

_CLASSES = {
    cls.__name__: cls
    for cls in (Penalty, GradientPenalty, R1Penalty, R2Penalty, DRAGANPenalty)
}


def serialize(penalty):
    """Config dict of a `Penalty`."""
    return keras.saving.serialize_keras_object(penalty)


def deserialize(config):
    """`Penalty` from a config dict made by `serialize`."""
    return keras.saving.deserialize_keras_object(config, custom_objects=_CLASSES)


def get(identifier):
    """Resolve a penalty identifier to a `Penalty` instance.

    Args:
        identifier: A `Penalty` (returned as is), an alias (`"gp"`,
            `"gradient_penalty"`, `"r1"`, `"r2"`, `"dragan"`) or a config dict.

    Returns:
        A `Penalty` instance with its default weight when given an alias.

    Raises:
        ValueError: unknown name or type.

    Example:

    ```python
    penalty = keras_gan_layers.penalties.get("gp")  # GradientPenalty(10.0)
    ```
    """
    if isinstance(identifier, Penalty):
        return identifier
    if isinstance(identifier, str):
        key = identifier.strip().lower()
        if key in ALIASES:
            return ALIASES[key]()
        raise ValueError(
            f"Unknown penalty: {identifier!r}. Valid names are: "
            f"{', '.join(sorted(ALIASES))}."
        )
    if isinstance(identifier, dict):
        try:
            penalty = deserialize(identifier)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"Could not deserialize the penalty config (class_name="
                f"{identifier.get('class_name')!r}): {e}. Expected the config "
                "of a Penalty (penalties.serialize(penalty)) or one of: "
                f"{', '.join(sorted(ALIASES))}."
            ) from e
        if not isinstance(penalty, Penalty):
            raise ValueError(
                f"The config describes a {type(penalty).__name__}, not a "
                "Penalty. Expected the config of a Penalty "
                "(penalties.serialize(penalty)) or one of: "
                f"{', '.join(sorted(ALIASES))}."
            )
        return penalty
    raise ValueError(
        f"Could not interpret penalty identifier: {identifier!r} (type "
        f"{type(identifier).__name__}). Expected a Penalty instance, a config "
        f"dict or one of: {', '.join(sorted(ALIASES))}."
    )
