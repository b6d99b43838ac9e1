"""ImagePool against the CycleGAN code's rules: conservation and statistics.

The pool's rule (util/image_pool.py of the CycleGAN code): while not full,
store and return each image; once full, with probability 1/2 return a
uniformly chosen stored image and store the new one in its place, else
return the new image. Checked without reproducing the draws: whatever they
are, the images before a call (pool + batch) are the images after it
(pool + output), each output is its input or a swapped-out stored image,
and the swap rate and slot choice follow Binomial(., 1/2) and a uniform law.
"""

import keras
import numpy as np
import pytest
from scipy import stats

from keras_gan_layers.layers import ImagePool
from tests.layers.layer_test import run_layer_test, variable_value


def test_layer_contract():
    run_layer_test(
        ImagePool,
        {"pool_size": 3, "seed": 0},
        np.random.default_rng(0).normal(size=(2, 4, 4, 1)).astype("float32"),
        (2, 4, 4, 1),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=2,
    )


def test_fills_in_order_and_returns_inputs():
    pool = ImagePool(pool_size=5, seed=0)
    x = np.arange(3 * 2, dtype="float32").reshape(3, 2)
    y = np.arange(100, 104, dtype="float32").reshape(2, 2)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool(x, training=True)), x)
    # 3 stored; of the next 2, both fit (slots 3, 4).
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool(y, training=True)), y)
    np.testing.assert_array_equal(variable_value(pool.pool), np.concatenate([x, y]))
    assert int(variable_value(pool.count)) == 5


def test_batch_larger_than_free_space_stores_what_fits():
    pool = ImagePool(pool_size=3, seed=1)
    x = np.arange(5, dtype="float32")[:, None]
    out = keras.ops.convert_to_numpy(pool(x, training=True))
    # The first 3 fill the pool and come back; the last 2 see a full pool.
    np.testing.assert_array_equal(out[:3], x[:3])
    assert int(variable_value(pool.count)) == 3
    held = sorted(variable_value(pool.pool)[:, 0])
    for i in (3, 4):  # itself, or an image stored before it (by this batch too)
        assert out[i, 0] in x[: i + 1, 0]
    # Conservation: pool + output hold every image once, the swapped-out ones
    # leaving the pool for the output.
    assert sorted(list(held) + list(out[3:, 0])) == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_full_pool_conserves_images_and_swaps_half_uniformly():
    size, batch, calls = 8, 1, 400
    pool = ImagePool(pool_size=size, seed=3)
    pool(np.arange(size, dtype="float32")[:, None], training=True)
    swaps, slots = 0, np.zeros(size)
    next_id = size
    for _ in range(calls):
        before = variable_value(pool.pool)[:, 0].copy()
        x = np.arange(next_id, next_id + batch, dtype="float32")[:, None]
        next_id += batch
        out = keras.ops.convert_to_numpy(pool(x, training=True))[:, 0]
        after = variable_value(pool.pool)[:, 0]
        assert sorted([*before, *x[:, 0]]) == sorted([*after, *out])
        if out[0] != x[0, 0]:
            swaps += 1
            (slot,) = np.flatnonzero(before == out[0])
            assert after[slot] == x[0, 0]
            slots[slot] += 1
        else:
            np.testing.assert_array_equal(before, after)
    # Binomial(400, 1/2): mean 200, sd 10; 5 sd either way.
    assert abs(swaps - calls / 2) < 5 * np.sqrt(calls / 4)
    # Uniform slot choice (chi-square, 7 d.o.f.).
    assert stats.chisquare(slots).pvalue > 1e-3


def test_inference_and_size_zero_are_the_identity():
    x = np.ones((2, 3), "float32")
    pool = ImagePool(pool_size=4, seed=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool(x)), x)
    assert int(variable_value(pool.count)) == 0
    empty = ImagePool(pool_size=0)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(empty(x, training=True)), x
    )


@pytest.mark.parametrize("bad", [-1, 2.5, True, "50"])
def test_bad_pool_size(bad):
    with pytest.raises(ValueError, match="pool_size, an int >= 0"):
        ImagePool(pool_size=bad)


def test_bad_seed():
    with pytest.raises(ValueError, match="int seed or None"):
        ImagePool(seed=1.5)


def test_unknown_image_shape():
    with pytest.raises(ValueError, match="their shape must be known"):
        ImagePool(4).build((None, None, 3))


def test_batches_conserve_images_like_the_sequential_loop():
    # Batches of 6 into a pool of 4: several swaps per call, often of one
    # slot; pool + output must still hold each image exactly once.
    pool = ImagePool(pool_size=4, seed=5)
    pool.build((None, 1))
    next_id, seen_repeat = 0, False
    for _ in range(60):
        before = variable_value(pool.pool)[:, 0].copy()
        count = int(variable_value(pool.count))
        x = np.arange(next_id, next_id + 6, dtype="float32")[:, None]
        next_id += 6
        out = keras.ops.convert_to_numpy(pool(x, training=True))[:, 0]
        after = variable_value(pool.pool)[:, 0]
        filled = int(variable_value(pool.count)) - count
        # Stored images and new ones (those filling the pool twice over:
        # stored and returned) are the pool and the output afterwards.
        assert sorted([*before[:count], *x[:, 0], *x[:filled, 0]]) == sorted(
            [*after[: count + filled], *out]
        )
        seen_repeat |= bool(np.any(np.isin(out, x[:, 0]) & (out != x[:, 0])))
    assert seen_repeat  # an image came back through a slot of its own batch
