"""LinearDecay against its closed form."""

import keras
import numpy as np
import pytest

from keras_gan_layers.schedules import LinearDecay


def test_closed_form():
    schedule = LinearDecay(2e-4, decay_steps=100, constant_steps=50)
    steps = np.array([0, 49, 50, 75, 149, 150, 400])
    expected = [2e-4, 2e-4, 2e-4, 1.5e-4, 2e-6, 0.0, 0.0]
    got = [float(keras.ops.convert_to_numpy(schedule(s))) for s in steps]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-12)


def test_round_trip_and_optimizer():
    schedule = LinearDecay(1e-3, 10, 5, name="lin")
    again = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(schedule)
    )
    assert again.get_config() == schedule.get_config()
    optimizer = keras.optimizers.SGD(schedule)
    w = keras.Variable(np.zeros(1, "float32"))
    optimizer.build([w])
    for _ in range(12):
        optimizer.apply([keras.ops.ones(1)], [w])
    # 5 steps at 1e-3, then 1e-3 * (1, .9, .8, .7, .6, .5, .4).
    expected = -(5e-3 + 1e-3 * sum([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(w), [expected], rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"initial_learning_rate": 0, "decay_steps": 1}, "initial_learning_rate"),
        ({"initial_learning_rate": float("inf"), "decay_steps": 1}, "a finite float"),
        ({"initial_learning_rate": 1e-3, "decay_steps": 0}, "decay_steps, an int >= 1"),
        (
            {"initial_learning_rate": 1e-3, "decay_steps": 5, "constant_steps": -1},
            "constant_steps, an int >= 0",
        ),
        ({"initial_learning_rate": 1e-3, "decay_steps": 2.5}, "decay_steps"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LinearDecay(**kwargs)
