"""`run_layer_test`: the checks every layer of the package goes through."""

import json

import keras
import numpy as np

from keras_gan_layers.api_export import PACKAGE


def variable_value(variable):
    """A variable's value as numpy (without numpy's `__array__` copy warning)."""
    return keras.ops.convert_to_numpy(keras.ops.copy(variable))


def _to_numpy(x):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, x)


def _symbolic_inputs(input_data):
    """`keras.Input`s with a free batch size matching each array of the data."""
    return keras.tree.map_structure(
        lambda a: keras.Input(np.shape(a)[1:], dtype=str(np.asarray(a).dtype)),
        input_data,
    )


def _shapes(input_data):
    return keras.tree.map_structure(lambda a: tuple(np.shape(a)), input_data)


def _assert_same_outputs(a, b):
    for x, y in zip(keras.tree.flatten(_to_numpy(a)), keras.tree.flatten(_to_numpy(b))):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_data,
    expected_output_shape,
    expected_num_trainable_weights=None,
    expected_num_non_trainable_weights=None,
    run_training_step=True,
    mixed_precision=False,
    mixed_precision_output_dtype="float16",
):
    """Check a layer the way every public layer of the package must behave.

    1. Called on `input_data` it returns `expected_output_shape`, and
       `compute_output_shape` agrees; in a functional model (free batch
       size) the symbolic output has the same shape but for the batch.
    2. `from_config(get_config())` rebuilds a layer with the same config
       that, given the same weights, returns the same outputs.
    3. `keras.saving.serialize_keras_object` names it under the package and
       the JSON form deserializes (safe mode) to the same config.
    4. One SGD step in `model.fit` on a regression target changes every
       trainable weight (a layer without trainable weights is only run).

    Args:
        layer_cls: The layer class.
        init_kwargs: Dict of constructor arguments.
        input_data: A numpy array or a list of them (as the layer is called).
        expected_output_shape: Shape tuple of the output on `input_data`.
        expected_num_trainable_weights: Optional expected count.
        expected_num_non_trainable_weights: Optional expected count.
        run_training_step: Whether to run the gradient step check.
        mixed_precision: Whether to also build the layer with
            `dtype="mixed_float16"` (other `init_kwargs` kept), call it on
            `input_data` and check that the output is finite and of dtype
            `mixed_precision_output_dtype` and that every floating weight is
            float32.
        mixed_precision_output_dtype: Expected output dtype under
            `"mixed_float16"` (`"float32"` for a layer documented to return
            float32).

    Returns:
        The layer built and called on `input_data`.
    """
    layer = layer_cls(**init_kwargs)
    output = layer(input_data)
    assert tuple(output.shape) == tuple(expected_output_shape)
    assert tuple(layer.compute_output_shape(_shapes(input_data))) == tuple(
        expected_output_shape
    )
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

    symbolic = layer_cls(**init_kwargs)(_symbolic_inputs(input_data))
    assert tuple(symbolic.shape) == (None, *tuple(expected_output_shape)[1:])

    # get_config / from_config
    config = layer.get_config()
    json.dumps(config)
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config
    clone(input_data)
    clone.set_weights([variable_value(w) for w in layer.weights])
    _assert_same_outputs(
        clone(input_data, training=False), layer(input_data, training=False)
    )

    # Registered serialization through the public saving API (safe mode).
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"{PACKAGE}>{layer_cls.__name__}"
    restored = keras.saving.deserialize_keras_object(
        json.loads(json.dumps(serialized)), safe_mode=True
    )
    assert type(restored) is layer_cls
    assert restored.get_config() == config

    if run_training_step:
        _check_training_step(layer_cls, init_kwargs, input_data)
    if mixed_precision:
        _check_mixed_precision(
            layer_cls, init_kwargs, input_data, mixed_precision_output_dtype
        )
    return layer


def _check_mixed_precision(layer_cls, init_kwargs, input_data, output_dtype):
    """Under `dtype="mixed_float16"`: output dtype, finite, float32 weights."""
    layer = layer_cls(**{**init_kwargs, "dtype": "mixed_float16"})
    outputs = layer(input_data)
    for output in keras.tree.flatten(outputs):
        dtype = keras.backend.standardize_dtype(output.dtype)
        assert dtype == output_dtype, f"output dtype {dtype}, expected {output_dtype}"
        value = keras.ops.convert_to_numpy(keras.ops.cast(output, "float32"))
        assert np.all(np.isfinite(value)), "non-finite output under mixed_float16"
    for weight in layer.weights:
        dtype = keras.backend.standardize_dtype(weight.dtype)
        if "float" in dtype:
            assert dtype == "float32", f"{weight.path} has dtype {dtype}"


def _check_training_step(layer_cls, init_kwargs, input_data):
    inputs = _symbolic_inputs(input_data)
    layer = layer_cls(**init_kwargs)
    model = keras.Model(inputs, layer(inputs))
    if not layer.trainable_weights:
        output = model(input_data, training=True)
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(output)))
        return
    before = [variable_value(w) for w in layer.trainable_weights]
    target = np.random.default_rng(0).normal(size=model.output_shape[1:])
    target = np.broadcast_to(
        target, (len(keras.tree.flatten(input_data)[0]),) + target.shape
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(
        input_data,
        target.astype("float32"),
        epochs=1,
        batch_size=len(target),
        verbose=0,
    )
    after = [variable_value(w) for w in layer.trainable_weights]
    for weight, old, new in zip(layer.trainable_weights, before, after):
        assert np.all(np.isfinite(new)), weight.path
        assert not np.array_equal(old, new), f"{weight.path} did not change"
