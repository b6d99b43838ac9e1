"""`ImageSnapshot` on image-to-image translators (CycleGAN, Pix2Pix).

The translators are 1x1 convolutions without bias (`x -> w * x` per
channel), so every tile of the grid has a closed form written here in
numpy: the grid is checked tile by tile, pixel for pixel.
"""

import glob

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan_layers import GAN, CycleGAN, ImageSnapshot, Pix2Pix, architectures
from tests.helpers import tiny_images, tiny_mlp_gan

SHAPE = (8, 8, 1)


def scaling(weights, shape=SHAPE, name=None):
    """A model `x -> x @ weights` per pixel (1x1 convolution, no bias)."""
    weights = np.asarray(weights, "float32").reshape(1, 1, shape[-1], -1)
    inputs = keras.Input(shape)
    conv = keras.layers.Conv2D(weights.shape[-1], 1, use_bias=False)
    model = keras.Model(inputs, conv(inputs), name=name)
    conv.set_weights([weights])
    return model


def kernel(model):
    return float(model.layers[-1].get_weights()[0].reshape(-1)[0])


def critic(shape=SHAPE, condition_shape=None):
    return architectures.patchgan_discriminator(
        shape, condition_shape=condition_shape, filters=2, num_layers=1
    )


def cyclegan(w_ab=0.5, w_ba=-1.0):
    return CycleGAN(
        scaling(w_ab, name="g_ab"),
        scaling(w_ba, name="g_ba"),
        critic(),
        critic(),
        pool_size=0,
        seed=0,
    )


def to_uint8(x):
    """[-1, 1] -> 0..255 as `image_grid` maps it (numpy transcription)."""
    x = np.asarray(x, "float32")
    return np.round(np.clip((x + 1.0) / 2.0, 0.0, 1.0) * 255.0).astype(np.uint8)


def tile(grid, row, column, size=8):
    top, left = row * (size + 1), column * (size + 1)
    return grid[top : top + size, left : left + size]


def read(path):
    return np.asarray(Image.open(path))


def test_cyclegan_rows_inside_fit(tmp_path):
    model = cyclegan()
    model.compile(jit_compile=False)  # the callback is under test, not XLA
    a = tiny_images(4, seed=1)
    b = tiny_images(4, seed=2)
    snap = ImageSnapshot(str(tmp_path / "s"), images=(a[:3], b[:2]), num_images=3)
    model.fit(a, b, batch_size=4, epochs=1, verbose=0, callbacks=[snap])
    grid = read(tmp_path / "s" / "epoch_0001.png")
    # 6 rows of 3 columns of 8x8 tiles, 1-pixel padding.
    assert grid.shape == (6 * 8 + 5, 3 * 8 + 2)
    w_ab, w_ba = kernel(model.generator_ab), kernel(model.generator_ba)
    assert w_ab != 0.5 and w_ba != -1.0  # trained one step
    f32 = np.float32
    a, b = a[:3, ..., 0], b[:2, ..., 0]
    rows = [
        a,
        a * f32(w_ab),
        (a * f32(w_ab)) * f32(w_ba),
        b,
        b * f32(w_ba),
        (b * f32(w_ba)) * f32(w_ab),
    ]
    for r, expected in enumerate(rows):
        for c in range(3):
            if c < len(expected):
                np.testing.assert_array_equal(
                    tile(grid, r, c), to_uint8(expected[c]), err_msg=f"{r},{c}"
                )
            else:  # B rows have 2 images: the third cell is background
                assert not tile(grid, r, c).any()


def test_cyclegan_a_images_only_three_rows(tmp_path):
    model = cyclegan()
    a = tiny_images(2, seed=3)
    snap = ImageSnapshot(str(tmp_path), images=a)
    snap.set_model(model)
    grid = read(snap.snapshot(4))
    assert snap.written == [str(tmp_path / "epoch_0005.png")]
    assert grid.shape == (3 * 8 + 2, 2 * 8 + 1)
    for c in range(2):
        np.testing.assert_array_equal(tile(grid, 0, c), to_uint8(a[c, ..., 0]))
        np.testing.assert_array_equal(tile(grid, 1, c), to_uint8(0.5 * a[c, ..., 0]))
        np.testing.assert_array_equal(tile(grid, 2, c), to_uint8(-0.5 * a[c, ..., 0]))


def tensorboard_images(log_dir, tag):
    import tensorflow as tf

    found = []
    for path in glob.glob(f"{log_dir}/events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == tag:
                    import io

                    png = value.tensor.string_val[2]
                    found.append((event.step, np.asarray(Image.open(io.BytesIO(png)))))
    return found


def test_pix2pix_rows_targets_and_tensorboard(tmp_path):
    # A: grayscale, B: RGB; the generator maps x to (0.5x, -0.5x, x).
    shape_b = (8, 8, 3)
    generator = scaling([0.5, -0.5, 1.0])
    model = Pix2Pix(generator, critic(shape_b, condition_shape=SHAPE), seed=0)
    a = tiny_images(3, seed=4)
    b = tiny_images(3, shape=shape_b, seed=5)
    snap = ImageSnapshot(
        str(tmp_path / "png"),
        images=[a, b],
        log_dir=str(tmp_path / "tb"),
        scale=2,
    )
    snap.set_model(model)
    big = read(snap.snapshot(1))
    snap.on_train_end()
    grid = big[::2, ::2]  # nearest-neighbour upscaling by 2
    assert big.shape == (2 * (3 * 8 + 2), 2 * (3 * 8 + 2), 3)
    np.testing.assert_array_equal(big, np.repeat(np.repeat(grid, 2, 0), 2, 1))
    translated = a * np.float32([0.5, -0.5, 1.0])
    for c in range(3):
        gray = to_uint8(a[c])  # (8, 8, 1): repeated to 3 channels
        np.testing.assert_array_equal(tile(grid, 0, c), np.repeat(gray, 3, -1))
        np.testing.assert_array_equal(tile(grid, 1, c), to_uint8(translated[c]))
        np.testing.assert_array_equal(tile(grid, 2, c), to_uint8(b[c]))
    # TensorBoard holds the same grid (unscaled) at step epoch + 1.
    [(step, logged)] = tensorboard_images(tmp_path / "tb", "translated_images")
    assert step == 2
    np.testing.assert_array_equal(logged, grid)


def test_pix2pix_inputs_only_and_num_images(tmp_path):
    model = Pix2Pix(scaling(0.5), critic(SHAPE, condition_shape=SHAPE), seed=0)
    a = tiny_images(5, seed=6)
    snap = ImageSnapshot(str(tmp_path), images=a, num_images=2)
    snap.set_model(model)
    images, columns = snap.images()
    assert columns == 2 and images.shape == (4, 8, 8, 1)
    np.testing.assert_array_equal(images[:2], a[:2])
    np.testing.assert_array_equal(images[2:], 0.5 * a[:2])


def test_translator_without_images_fails_when_fit_begins(tmp_path):
    model = cyclegan()
    model.compile()
    a = tiny_images(2)
    with pytest.raises(ValueError, match=r"pass images=\(a_images, b_images\) or"):
        model.fit(a, a, epochs=1, verbose=0, callbacks=[ImageSnapshot(str(tmp_path))])
    assert not glob.glob(str(tmp_path / "*.png"))
    p2p = Pix2Pix(scaling(0.5), critic(SHAPE, condition_shape=SHAPE))
    with pytest.raises(ValueError, match="pass images=a_images"):
        ImageSnapshot(str(tmp_path)).set_model(p2p)


@pytest.mark.parametrize(
    "images,message",
    [
        (
            (tiny_images(2),) * 3,
            "a pair \\(a_images, b_images\\). Received a tuple of 3",
        ),
        (np.zeros((0, 8, 8, 1)), "non-empty array of images"),
        (np.zeros((8, 8, 1)), "Received: shape \\(8, 8, 1\\)"),
        ((np.zeros((2, 8, 8, 1)), "b"), "images\\[1\\] \\(B images\\)"),
    ],
)
def test_bad_images_at_construction(tmp_path, images, message):
    with pytest.raises(ValueError, match=message):
        ImageSnapshot(str(tmp_path), images=images)


def test_bad_images_for_the_model(tmp_path):
    snap = ImageSnapshot(str(tmp_path), images=tiny_images(2, shape=(4, 4, 1)))
    with pytest.raises(ValueError, match=r"A images have shape \(4, 4, 1\).*takes A"):
        snap.set_model(cyclegan())
    snap = ImageSnapshot(
        str(tmp_path), images=(tiny_images(2), tiny_images(2, (4, 4, 3)))
    )
    with pytest.raises(ValueError, match=r"B images have shape \(4, 4, 3\)"):
        snap.set_model(cyclegan())
    p2p = Pix2Pix(scaling(0.5), critic(SHAPE, condition_shape=SHAPE))
    snap = ImageSnapshot(str(tmp_path), images=(tiny_images(2), tiny_images(3)))
    with pytest.raises(ValueError, match="2 inputs and 3 targets"):
        snap.set_model(p2p)
    gan = tiny_mlp_gan()
    assert isinstance(gan, GAN)
    with pytest.raises(ValueError, match="images=...\\) is for image-to-image"):
        ImageSnapshot(str(tmp_path), images=tiny_images(2)).set_model(gan)
    snap = ImageSnapshot(str(tmp_path), images=tiny_images(2), generator=gan.generator)
    with pytest.raises(ValueError, match="leave generator=None"):
        snap.set_model(cyclegan())
