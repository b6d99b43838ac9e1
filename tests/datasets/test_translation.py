import os

import numpy as np
import pytest
from PIL import Image

from keras_gan_layers import datasets

tf = pytest.importorskip("tensorflow")  # tf.data, whatever the backend


def coded(n, size=(4, 4), channels=3, scale=1):
    """uint8 images whose every pixel is `scale * i` for the i-th image."""
    values = (np.arange(n) * scale).astype(np.uint8)
    return np.broadcast_to(values[:, None, None, None], (n, *size, channels)).copy()


def code_of(batch):
    """The i of each image of a batch of `coded` images in [-1, 1]."""
    return np.rint((np.asarray(batch)[:, 0, 0, 0] + 1.0) * 127.5).astype(int)


def collect(dataset):
    a, b = zip(*[(np.asarray(x), np.asarray(y)) for x, y in dataset])
    return np.concatenate(a), np.concatenate(b)


def test_paired_arrays_in_order_and_scaled():
    a, b = coded(5), coded(5, channels=1, scale=2)
    data = datasets.paired(a, b, batch_size=2, shuffle=False)
    batches = list(data)
    assert [tuple(x.shape) for x, _ in batches] == [(2, 4, 4, 3)] * 2 + [(1, 4, 4, 3)]
    assert tuple(batches[0][1].shape) == (2, 4, 4, 1)
    x, y = collect(data)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, a / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_allclose(y, b / 127.5 - 1.0, atol=1e-6)


def test_paired_shuffle_keeps_pairs_and_is_seeded():
    a, b = coded(20), coded(20, scale=3)
    x, y = collect(datasets.paired(a, b, batch_size=4, seed=3))
    order = code_of(x)
    assert sorted(order) == list(range(20)) and list(order) != list(range(20))
    np.testing.assert_array_equal(code_of(y), 3 * order)  # still pairs
    x2, _ = collect(datasets.paired(a, b, batch_size=4, seed=3))
    np.testing.assert_array_equal(code_of(x2), order)
    # A new epoch is a new order (reshuffled each iteration).
    data = datasets.paired(a, b, batch_size=20, seed=3)
    first, second = (code_of(next(iter(data))[0]) for _ in range(2))
    assert list(first) != list(second)


def test_float_arrays_are_taken_as_they_are():
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, size=(3, 4, 4, 2)).astype("float64")
    b = rng.uniform(-1, 1, size=(3, 4, 4, 3)).astype("float32")
    x, y = collect(datasets.paired(a, b, batch_size=3, shuffle=False))
    np.testing.assert_allclose(x, a, atol=1e-6)
    np.testing.assert_array_equal(y, b)


def test_grayscale_arrays_get_a_channel_axis():
    x, _ = collect(datasets.paired(coded(2)[..., 0], coded(2), shuffle=False))
    assert x.shape == (2, 4, 4, 1)


def test_image_size_resizes_both_sides():
    a = coded(2, size=(8, 8))
    b = coded(2, size=(4, 6))
    x, y = collect(datasets.paired(a, b, image_size=(6, 6), shuffle=False))
    assert x.shape == (2, 6, 6, 3) and y.shape == (2, 6, 6, 3)
    # Constant images stay constant under bilinear resizing.
    np.testing.assert_allclose(y[1], 1 / 127.5 - 1.0, atol=1e-6)


def test_unpaired_cycles_the_smaller_domain():
    a, b = coded(7), coded(3, size=(6, 6), channels=1)
    data = datasets.unpaired(a, b, batch_size=2, seed=0)
    x, y = collect(data)
    assert len(x) == len(y) == 7 and len(list(data)) == 4
    assert y.shape[1:] == (6, 6, 1)
    assert sorted(code_of(x)) == list(range(7))  # the larger domain once
    codes = code_of(y)
    # The smaller one in passes of 3, each a permutation of all its images.
    assert sorted(codes[:3]) == [0, 1, 2] and sorted(codes[3:6]) == [0, 1, 2]
    assert codes[6] in (0, 1, 2)


def test_unpaired_shuffles_the_domains_independently():
    a = coded(30)
    x, y = collect(datasets.unpaired(a, a.copy(), batch_size=30, seed=5))
    assert sorted(code_of(x)) == sorted(code_of(y)) == list(range(30))
    assert list(code_of(x)) != list(code_of(y))
    x, y = collect(datasets.unpaired(a, a.copy(), shuffle=False))
    np.testing.assert_array_equal(code_of(x), np.arange(30))
    np.testing.assert_array_equal(code_of(y), np.arange(30))


def crops_of(image, size):
    """Every crop of `size`, and its mirror, of `image` resized by 286/256."""
    big = [round(d * 286 / 256) for d in size]
    resized = tf.image.resize(image, big, method="bilinear").numpy()
    out = []
    for dy in range(big[0] - size[0] + 1):
        for dx in range(big[1] - size[1] + 1):
            crop = resized[dy : dy + size[0], dx : dx + size[1]]
            out += [crop, crop[:, ::-1]]
    return out


def matches_a_crop(image, candidates):
    return any(np.allclose(image, c, atol=1e-5) for c in candidates)


def test_paired_jitter_is_the_same_for_both_images():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, size=(6, 16, 16, 3), dtype=np.uint8)
    x, y = collect(datasets.paired(a, a[..., :1], jitter=True, shuffle=False, seed=1))
    assert x.shape == (6, 16, 16, 3)
    np.testing.assert_array_equal(x[..., :1], y)  # one draw for both
    flipped = 0
    for image, original in zip(x, a / 127.5 - 1.0):
        candidates = crops_of(original, (16, 16))
        assert matches_a_crop(image, candidates)
        flipped += not matches_a_crop(image, candidates[::2])
    assert 0 < flipped < 6  # random flips (6 draws of 1/2: both seen)


def test_unpaired_jitter_is_drawn_per_image():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, size=(8, 16, 16, 1), dtype=np.uint8)
    x, y = collect(datasets.unpaired(a, a.copy(), jitter=True, shuffle=False, seed=2))
    for image, original in zip(y, a / 127.5 - 1.0):
        assert matches_a_crop(image, crops_of(original, (16, 16)))
    assert not np.allclose(x, y)  # same images, independent draws


def test_tf_data_inputs():
    a = coded(4)
    images = tf.data.Dataset.from_tensor_slices(a)  # uint8 images
    batched = tf.data.Dataset.from_tensor_slices(a / 127.5 - 1.0).batch(3)
    x, y = collect(datasets.paired(images, batched, shuffle=False, batch_size=4))
    np.testing.assert_allclose(x, a / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_allclose(y, a / 127.5 - 1.0, atol=1e-6)
    x, y = collect(datasets.unpaired(images, coded(2), batch_size=4, seed=0))
    assert sorted(code_of(x)) == [0, 1, 2, 3] and sorted(code_of(y)) == [0, 0, 1, 1]
    # Unknown cardinality (filter): counted, 2 images cycled against 4.
    odd = images.filter(lambda image: image[0, 0, 0] % 2 == 1)
    x, y = collect(datasets.unpaired(odd, a, batch_size=4, seed=0))
    assert sorted(code_of(x)) == [1, 1, 3, 3] and len(y) == 4


def write_pngs(folder, values, size=(5, 5)):
    os.makedirs(folder, exist_ok=True)
    for i, v in enumerate(values):
        pixels = np.full((*size, 3), v, np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"img{i:02d}.png"))


def test_folders(tmp_path):
    write_pngs(tmp_path / "A", [0, 10, 20, 30])
    write_pngs(tmp_path / "B" / "sub", [1, 11, 21, 31])
    x, y = collect(
        datasets.paired(str(tmp_path / "A"), tmp_path / "B", batch_size=2, seed=0)
    )
    assert x.shape == (4, 5, 5, 3)
    np.testing.assert_array_equal(code_of(y), code_of(x) + 1)  # sorted paths
    x, y = collect(
        datasets.unpaired(str(tmp_path / "A"), coded(6), image_size=3, seed=0)
    )
    assert x.shape == (6, 3, 3, 3) and y.shape == (6, 3, 3, 3)
    assert sorted(set(code_of(x))) == [0, 10, 20, 30]


def test_errors(tmp_path):
    a = coded(3)
    with pytest.raises(ValueError, match="as many images in a as in b.*3 .* 2"):
        datasets.paired(a, coded(2))
    with pytest.raises(ValueError, match="same height and width.*pass image_size"):
        datasets.paired(a, coded(3, size=(4, 6)))
    with pytest.raises(ValueError, match="b holds no images"):
        datasets.unpaired(a, a[:0])
    with pytest.raises(ValueError, match="a holds no images"):
        datasets.paired(tf.data.Dataset.from_tensor_slices(a[:0]), a[:0])
    with pytest.raises(ValueError, match="numpy array .*Received: a of type list"):
        datasets.paired(list(a), a)
    with pytest.raises(ValueError, match="Received: b of type int"):
        datasets.unpaired(a, 3)
    with pytest.raises(ValueError, match="array of images .*b.shape=\\(3, 4\\)"):
        datasets.unpaired(a, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="float a must already be in \\[-1, 1\\]"):
        datasets.paired(a.astype("float32"), a)
    with pytest.raises(ValueError, match="integer b is read as 8-bit.*-1..3"):
        datasets.paired(a, np.full((3, 4, 4, 3), -1).astype(int) + 4 * (a > 0))
    with pytest.raises(ValueError, match="integer .* or float .*dtype=bool"):
        datasets.paired(a, a > 0)
    with pytest.raises(ValueError, match="infinite tf.data.Dataset"):
        datasets.unpaired(tf.data.Dataset.from_tensor_slices(a).repeat(), a)
    with pytest.raises(ValueError, match="element_spec"):
        datasets.unpaired(tf.data.Dataset.from_tensor_slices((a, a)), a)
    free = tf.data.Dataset.from_generator(
        lambda: iter(a), output_signature=tf.TensorSpec((None, None, 3), tf.uint8)
    )
    with pytest.raises(ValueError, match="image size of a is unknown.*image_size"):
        datasets.unpaired(free, a, jitter=True)
    x, _ = collect(datasets.unpaired(free, a, jitter=True, image_size=4, seed=0))
    assert x.shape == (3, 4, 4, 3)
    with pytest.raises(ValueError, match="same height and width.*None in a"):
        datasets.paired(free, a)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        datasets.paired(a, a, batch_size=0)
    with pytest.raises(ValueError, match="image_size must be a positive int"):
        datasets.unpaired(a, a, image_size=(0, 4))
    with pytest.raises(ValueError, match="jitter must be True or False"):
        datasets.unpaired(a, a, jitter="yes")
    with pytest.raises(ValueError, match="does not exist"):
        datasets.paired(str(tmp_path / "missing"), a)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No images found"):
        datasets.unpaired(a, str(tmp_path / "empty"))
