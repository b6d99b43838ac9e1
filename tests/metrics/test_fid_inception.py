"""The FID Inception-v3 against pytorch-fid's own network, and its weight loader.

The reference is pytorch-fid's `fid_inception_v3()` with random weights and
random BatchNorm statistics (nothing is downloaded: see
`pytorch_fid_reference.py`); its state dict is copied into the Keras model
through `load_fid_inception_weights` and both networks see the same images.
Without torch and pytorch-fid (the TensorFlow CI pass) those tests skip and
the loader's own tests still run. No test touches the network: the Keras
cache is a temporary directory and `keras.utils.get_file` fails unless a
test replaces it by a local fake.
"""

import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_gan_layers.metrics import fid_inception as fid_module
from keras_gan_layers.metrics import (
    fid_inception_v3,
    fid_inception_weights_path,
    frechet_distance,
    load_fid_inception_weights,
)
from tests.metrics.pytorch_fid_reference import (
    pytorch_fid_frechet_distance,
    pytorch_fid_inception,
    random_fid_inception,
    reference_outputs,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_PER_SET = 12  # two sets for the FID test; the first 2 images elsewhere
BATCH = 2


def assert_matches(actual, reference):
    """Equal to 1e-4 relative, on the scale of the output.

    rtol=1e-4 alone fails on the outputs closest to zero: the backends'
    convolutions (oneDNN, XLA, ATen) sum in different orders, and that
    float32 round-off scales with the magnitude of the activations summed,
    not with each result. So atol is 1e-4 of the largest reference value.
    Measured max|diff| / max|ref| is 3e-7 to 1.1e-6 on the three backends
    (x86 CPU, 24 images), ~100x below the bound; the mistakes this test is
    for are ~100x above it: BatchNorm eps 1e-5 instead of 1e-3 gives
    1.7e-2, average pools that count the padding 3e-2.
    """
    actual, reference = np.asarray(actual), np.asarray(reference)
    assert actual.shape == reference.shape
    np.testing.assert_allclose(
        actual, reference, rtol=1e-4, atol=1e-4 * float(np.abs(reference).max())
    )


def make_images():
    """Two sets of N_PER_SET images in [-1, 1] from different distributions."""
    rng = np.random.default_rng(0)
    first = rng.uniform(-1.0, 1.0, (N_PER_SET, 299, 299, 3))
    second = np.clip(rng.normal(0.3, 0.4, (N_PER_SET, 299, 299, 3)), -1.0, 1.0)
    return np.concatenate([first, second]).astype("float32")


def forward(model, images):
    """`[features, logits]` as NumPy arrays, in batches of BATCH images.

    Under JAX through `predict` (one XLA compilation, ~4 s on 2 CPU cores,
    instead of ~12 s of per-operation compilations when called eagerly);
    elsewhere eagerly (TensorFlow would spend ~5 s tracing the graph).
    """
    if keras.backend.backend() == "jax":
        features, logits = model.predict(images, batch_size=BATCH, verbose=0)
        return np.asarray(features), np.asarray(logits)
    outputs = [
        model(images[start : start + BATCH], training=False)
        for start in range(0, len(images), BATCH)
    ]
    return tuple(
        np.concatenate([keras.ops.convert_to_numpy(out[i]) for out in outputs])
        for i in (0, 1)
    )


def numpy_state_dict(model, seed=0):
    """Random arrays keyed and shaped as pytorch-fid's state dict (no torch).

    Written from the layer names by the documented rule (`__` is `.`) and
    PyTorch's layouts, independently of the loader's own table.
    """
    rng = np.random.default_rng(seed)
    state = {}
    for layer in model.layers:
        prefix = layer.name.replace("__", ".")
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw, cin, cout = layer.kernel.shape
            state[f"{prefix}.weight"] = rng.normal(size=(cout, cin, kh, kw))
        elif isinstance(layer, keras.layers.BatchNormalization):
            (n,) = layer.gamma.shape
            state[f"{prefix}.weight"] = rng.uniform(0.5, 1.5, n)
            state[f"{prefix}.bias"] = rng.normal(size=n)
            state[f"{prefix}.running_mean"] = rng.normal(size=n)
            state[f"{prefix}.running_var"] = rng.uniform(0.5, 1.5, n)
            state[f"{prefix}.num_batches_tracked"] = np.array(7, np.int64)
        elif isinstance(layer, keras.layers.Dense):
            n_in, n_out = layer.kernel.shape
            state[f"{prefix}.weight"] = rng.normal(size=(n_out, n_in))
            state[f"{prefix}.bias"] = rng.normal(size=n_out)
    return {
        key: value.astype(np.float32) if value.dtype == np.float64 else value
        for key, value in state.items()
    }


def variables_of(model):
    return [keras.ops.convert_to_numpy(v) for v in model.weights]


@pytest.fixture(autouse=True)
def _offline_cache(tmp_path, monkeypatch):
    """An empty Keras cache, and no downloads unless a test fakes one."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))

    def no_download(*args, **kwargs):
        raise AssertionError("a test tried to download")

    monkeypatch.setattr(keras.utils, "get_file", no_download)


@pytest.fixture(scope="module", autouse=True)
def _full_float32():
    """No TF32 convolutions/matmuls on GPUs (it would break the 1e-4 bound)."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        previous = jax.config.jax_default_matmul_precision
        jax.config.update("jax_default_matmul_precision", "highest")
        yield
        jax.config.update("jax_default_matmul_precision", previous)
    elif backend == "tensorflow":
        import tensorflow as tf

        previous = tf.config.experimental.tensor_float_32_execution_enabled()
        tf.config.experimental.enable_tensor_float_32_execution(False)
        yield
        tf.config.experimental.enable_tensor_float_32_execution(previous)
    elif backend == "torch":
        import torch

        previous = torch.backends.cudnn.allow_tf32
        torch.backends.cudnn.allow_tf32 = False
        yield
        torch.backends.cudnn.allow_tf32 = previous
    else:
        yield


@pytest.fixture(scope="module")
def reference():
    """pytorch-fid's network (random weights): state dict, images, outputs."""
    pytorch_fid_inception()  # skips without torch / pytorch-fid
    net = random_fid_inception(seed=0)
    images = make_images()
    features, logits = reference_outputs(net, images)
    state = {key: value.numpy() for key, value in net.state_dict().items()}
    return {
        "net": net,
        "state": state,
        "images": images,
        "features": features,
        "logits": logits,
    }


@pytest.fixture(scope="module")
def keras_outputs(reference):
    model = fid_inception_v3(weights=reference["state"])
    return forward(model, reference["images"])


@pytest.fixture(scope="module")
def model():
    """One random model for the structure and loader tests (weights get replaced)."""
    return fid_inception_v3()


# --------------------------------------------------------------------------
# Against pytorch-fid
# --------------------------------------------------------------------------


def test_features_and_logits_match_pytorch_fid(reference, keras_outputs):
    features, logits = keras_outputs
    assert features.shape == (2 * N_PER_SET, 2048)
    assert logits.shape == (2 * N_PER_SET, 1008)
    # The random network is not degenerate: BN and ReLU leave signal.
    assert np.abs(reference["features"]).max() > 1.0
    assert (reference["features"] > 0).mean() > 0.5
    assert_matches(features, reference["features"])
    assert_matches(logits, reference["logits"])


# pytorch-fid 0.3.0 calls scipy.linalg.sqrtm(..., disp=False), deprecated in SciPy 1.16.
@pytest.mark.filterwarnings(
    "ignore:The `disp` argument is deprecated:DeprecationWarning"
)
def test_fid_matches_pytorch_fid(reference, keras_outputs):
    """FID from the Keras features = pytorch-fid's on its own features.

    On 8 of the 2,048 dimensions: with 12 images per set a 2,048-d
    covariance has rank 11, and on singular covariances scipy's `sqrtm`
    (pytorch-fid) is ill-conditioned, so the comparison would measure
    sqrtm's round-off, not the features. 8 dimensions with 12 samples give
    full-rank covariances. They are the 8 of largest variance, so that the
    FID is not dominated by near-constant features.
    """
    calculate_frechet_distance = pytorch_fid_frechet_distance()
    dims = np.sort(np.argsort(reference["features"].var(axis=0))[-8:])

    def statistics(features):
        first = features[:N_PER_SET, dims].astype(np.float64)
        second = features[N_PER_SET:, dims].astype(np.float64)
        return (
            first.mean(axis=0),
            np.cov(first, rowvar=False),
            second.mean(axis=0),
            np.cov(second, rowvar=False),
        )

    expected = calculate_frechet_distance(*statistics(reference["features"]))
    actual = frechet_distance(*statistics(keras_outputs[0]))
    assert expected > 1.0  # two different image distributions
    assert actual == pytest.approx(expected, rel=1e-5)


def test_pth_and_npz_files_load_pytorch_fid_weights(reference, tmp_path):
    """A torch-saved .pth (read with weights_only=True) and its .npz conversion."""
    import torch

    pth = tmp_path / "weights.pth"
    torch.save(reference["net"].state_dict(), pth)
    spec = importlib.util.spec_from_file_location(
        "convert_fid_inception_weights",
        os.path.join(ROOT, "scripts", "convert_fid_inception_weights.py"),
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main([str(pth), "-o", str(tmp_path / "weights.npz")])

    from_pth = fid_inception_v3(weights=str(pth))
    features, logits = forward(from_pth, reference["images"][:BATCH])
    assert_matches(features, reference["features"][:BATCH])
    assert_matches(logits, reference["logits"][:BATCH])
    from_npz = fid_inception_v3(weights=tmp_path / "weights.npz")
    for a, b in zip(variables_of(from_pth), variables_of(from_npz)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.cross_backend
def test_every_backend_matches_pytorch_fid(reference, tmp_path):
    """Each installed backend, in a subprocess, against one torch reference."""
    backends = [
        name
        for name in ("tensorflow", "jax", "torch")
        if importlib.util.find_spec(name) is not None
    ]
    weights = tmp_path / "weights.npz"
    np.savez(weights, **reference["state"])
    images = tmp_path / "images.npy"
    np.save(images, reference["images"][:BATCH])
    code = (
        "import sys, numpy as np, keras\n"
        "from keras_gan_layers.metrics import fid_inception_v3\n"
        "model = fid_inception_v3(weights=sys.argv[1])\n"
        "f, lg = model.predict(np.load(sys.argv[2]), verbose=0)\n"
        "np.savez(sys.argv[3], features=f, logits=lg)\n"
    )
    for backend in backends:
        out = tmp_path / f"{backend}.npz"
        env = {
            **os.environ,
            "KERAS_BACKEND": backend,
            "PYTHONPATH": ROOT,
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        result = subprocess.run(
            [sys.executable, "-c", code, str(weights), str(images), str(out)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert result.returncode == 0, (backend, result.stderr[-3000:])
        with np.load(out) as outputs:
            assert_matches(outputs["features"], reference["features"][:BATCH])
            assert_matches(outputs["logits"], reference["logits"][:BATCH])


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------


def test_structure_and_names(model):
    assert model.input_shape == (None, 299, 299, 3)
    assert model.output_names == ["pool3", "logits"]
    assert [tuple(o.shape) for o in model.outputs] == [(None, 2048), (None, 1008)]
    layers = model.layers
    convs = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 94
    assert all(not conv.use_bias for conv in convs)
    bns = [
        layer for layer in layers if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert len(bns) == 94 and {bn.epsilon for bn in bns} == {1e-3}
    assert model.get_layer("Mixed_7c__branch_pool__conv").kernel.shape == (
        1,
        1,
        2048,
        192,
    )


def test_float32_under_mixed_precision():
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = fid_inception_v3()
        assert {w.dtype for w in model.weights} == {"float32"}
        assert model.inputs[0].dtype == "float32"
        assert {o.dtype for o in model.outputs} == {"float32"}
        computing = [
            layer
            for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer)
        ]
        assert {layer.compute_dtype for layer in computing} == {"float32"}
        images = np.random.default_rng(1).uniform(-1, 1, (BATCH, 299, 299, 3))
        features, logits = forward(model, images.astype("float16"))
    finally:
        keras.mixed_precision.set_global_policy(previous)
    assert features.dtype == np.float32 and logits.dtype == np.float32
    assert features.shape == (BATCH, 2048) and np.all(np.isfinite(features))


def test_average_pool_excludes_padding():
    """The explicit pool equals torch's avg_pool2d(count_include_pad=False)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 5, 6, 3)).astype("float32")
    inputs = keras.Input((5, 6, 3))
    pool = keras.Model(inputs, fid_module._avg_pool_exclude_pad(inputs, "p"))
    out = keras.ops.convert_to_numpy(pool(x))
    # Each output: the mean of the window's in-image pixels (4 in a corner).
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))
    expected = np.nanmean(windows, axis=(-2, -1))
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(out[:, 0, 0], x[:, :2, :2].mean(axis=(1, 2)), rtol=1e-6)


# --------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------


def test_npz_and_dict_give_the_same_weights(model, tmp_path):
    state = numpy_state_dict(model)
    np.savez(tmp_path / "w.npz", **state)
    from_dict = fid_inception_v3(weights=state)
    load_fid_inception_weights(model, tmp_path / "w.npz")
    for a, b in zip(variables_of(from_dict), variables_of(model)):
        np.testing.assert_array_equal(a, b)
    # PyTorch layouts: conv OIHW -> HWIO, fc (out, in) -> (in, out), BN names.
    kernel = keras.ops.convert_to_numpy(model.get_layer("Conv2d_1a_3x3__conv").kernel)
    np.testing.assert_array_equal(
        kernel[2, 1, 0, 5], state["Conv2d_1a_3x3.conv.weight"][5, 0, 2, 1]
    )
    fc = model.get_layer("fc")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(fc.kernel), state["fc.weight"].T
    )
    bn = model.get_layer("Mixed_6e__branch7x7dbl_5__bn")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(bn.moving_variance),
        state["Mixed_6e.branch7x7dbl_5.bn.running_var"],
    )


def test_missing_key(model):
    state = numpy_state_dict(model)
    del state["Mixed_5b.branch5x5_2.bn.running_mean"]
    with pytest.raises(
        ValueError, match=r"lack 1 .*Mixed_5b\.branch5x5_2\.bn\.running_mean"
    ):
        load_fid_inception_weights(model, state)


def test_unexpected_key(model):
    state = numpy_state_dict(model)
    state["AuxLogits.fc.weight"] = np.zeros((1008, 768), np.float32)
    with pytest.raises(ValueError, match=r"unexpected keys: AuxLogits\.fc\.weight"):
        load_fid_inception_weights(model, state)
    wrapped = {f"blocks.0.{key}": value for key, value in state.items()}
    with pytest.raises(ValueError, match="InceptionV3 wrapper"):
        load_fid_inception_weights(model, {**state, **wrapped})


def test_wrong_shape(model):
    state = numpy_state_dict(model)
    state["fc.weight"] = state["fc.weight"].T
    with pytest.raises(
        ValueError, match=r"'fc\.weight' has shape \(2048, 1008\).*\(1008, 2048\)"
    ):
        load_fid_inception_weights(model, state)


def test_bad_extension_and_missing_file(model, tmp_path):
    (tmp_path / "w.h5").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"extension '\.h5'.*\.pth.*\.npz"):
        load_fid_inception_weights(model, tmp_path / "w.h5")
    with pytest.raises(ValueError, match="not found"):
        load_fid_inception_weights(model, tmp_path / "absent.npz")


def test_weights_path_looks_in_the_cache_without_downloading(model, monkeypatch):
    assert fid_inception_weights_path() is None
    directory = os.path.join(os.environ["KERAS_HOME"], "models")
    os.makedirs(directory)
    npz = os.path.join(directory, fid_module.FID_WEIGHTS_NPZ)
    state = numpy_state_dict(model, seed=3)
    np.savez(npz, **state)
    assert fid_inception_weights_path() == npz
    # Published weights come from the cached .npz (get_file would fail).
    loaded = fid_inception_v3("pt_inception-2015-12-05")
    fc = keras.ops.convert_to_numpy(loaded.get_layer("fc").bias)
    np.testing.assert_array_equal(fc, state["fc.bias"])
    # The .pth wins where torch can read it.
    pth = os.path.join(directory, fid_module.FID_WEIGHTS_FILE)
    open(pth, "wb").close()
    monkeypatch.setattr(fid_module, "_torch_installed", lambda: True)
    assert fid_inception_weights_path() == pth
    monkeypatch.setattr(fid_module, "_torch_installed", lambda: False)
    assert fid_inception_weights_path() == npz


def fake_download(monkeypatch, write):
    """keras.utils.get_file replaced by a local write into the cache."""
    calls = []

    def get_file(fname, origin, cache_dir, cache_subdir):
        calls.append(origin)
        path = os.path.join(cache_dir, cache_subdir, fname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write(path)
        return path

    monkeypatch.setattr(keras.utils, "get_file", get_file)
    return calls


def test_corrupted_download_is_deleted(model, monkeypatch):
    calls = fake_download(monkeypatch, lambda path: open(path, "wb").write(b"junk"))
    with pytest.raises(ValueError, match="SHA-256.*6726825d.*deleted"):
        load_fid_inception_weights(model)
    assert calls == [fid_module.FID_WEIGHTS_URL]
    target = os.path.join(
        os.environ["KERAS_HOME"], "models", fid_module.FID_WEIGHTS_FILE
    )
    assert not os.path.exists(target)


def test_failed_download_says_what_to_do(model, monkeypatch):
    def get_file(*args, **kwargs):
        raise Exception("URL fetch failure: no network")

    monkeypatch.setattr(keras.utils, "get_file", get_file)
    with pytest.raises(RuntimeError) as info:
        fid_inception_v3("pt_inception-2015-12-05")
    message = str(info.value)
    assert fid_module.FID_WEIGHTS_URL in message
    assert (
        os.path.join(os.environ["KERAS_HOME"], "models", fid_module.FID_WEIGHTS_FILE)
        in message
    )
    assert ".npz" in message and "convert_fid_inception_weights.py" in message


def test_verified_download_loads(reference, monkeypatch):
    import torch

    calls = fake_download(
        monkeypatch, lambda path: torch.save(reference["net"].state_dict(), path)
    )
    real_sha256 = fid_module._sha256

    def sha256(path):  # the fake file's hash, rewritten to carry the prefix
        return fid_module.FID_WEIGHTS_SHA256_PREFIX + real_sha256(path)[8:]

    monkeypatch.setattr(fid_module, "_sha256", sha256)
    model = fid_inception_v3()
    load_fid_inception_weights(model)
    assert len(calls) == 1
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model.get_layer("fc").bias),
        reference["state"]["fc.bias"],
    )
    assert fid_inception_weights_path() is not None  # cached now: no second download
    load_fid_inception_weights(model)
    assert len(calls) == 1
