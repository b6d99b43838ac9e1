"""pytorch-fid's FID Inception-v3 as a plain Keras model, and its weight loader.

`fid_inception_v3()` rebuilds, layer for layer, the network that
pytorch-fid (`InceptionV3(use_fid_inception=True)`) and the original
TensorFlow FID code use: torchvision's Inception-v3 with the 2015
TensorFlow graph's quirks (average pools that exclude the padding, a max
pool in the last block, 1,008 classes). `load_fid_inception_weights()`
copies pytorch-fid's published weights (or any state dict with the same
keys) into it, so that FID values are those of pytorch-fid.

Layer names follow the PyTorch module paths with `.` written `__` (Keras
layer names become PyTorch parameter names under the torch backend, where
`.` is not allowed): the Keras layer `Mixed_5b__branch1x1__conv` holds the
state-dict entry `Mixed_5b.branch1x1.conv.weight`.
"""

import hashlib
import os
import tempfile
from collections.abc import Mapping

import keras
import numpy as np
from keras import layers, ops

from keras_gan_layers.api_export import keras_gan_export

FID_WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
    "pt_inception-2015-12-05-6726825d.pth"
)
FID_WEIGHTS_FILE = "pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_NPZ = "pt_inception-2015-12-05-6726825d.npz"
FID_WEIGHTS_SHA256_PREFIX = "6726825d"
PUBLISHED_WEIGHTS = "pt_inception-2015-12-05"
CACHE_SUBDIR = "models"
NUM_CLASSES = 1008
INPUT_SHAPE = (299, 299, 3)
SEPARATOR = "__"  # Keras layer name separator for PyTorch's "."
CONVERSION_SCRIPT = "scripts/convert_fid_inception_weights.py"

_FLOAT = "float32"
_CL = "channels_last"


# --------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------


def _conv(x, name, filters, kernel_size, strides=1, padding="valid"):
    """torchvision's BasicConv2d: conv (no bias), BatchNorm(eps=0.001), ReLU.

    Every stride-1 convolution in Inception-v3 pads by (k - 1) / 2 on both
    sides, which is Keras' "same" for odd kernels; the strided ones do not
    pad ("valid").
    """
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=False,
        kernel_initializer="zeros",  # filled by fid_inception_v3
        data_format=_CL,
        dtype=_FLOAT,
        name=f"{name}{SEPARATOR}conv",
    )(x)
    x = layers.BatchNormalization(
        axis=-1, epsilon=1e-3, dtype=_FLOAT, name=f"{name}{SEPARATOR}bn"
    )(x)
    return layers.ReLU(dtype=_FLOAT, name=f"{name}{SEPARATOR}relu")(x)


def _max_pool(x, name, strides=2, padding="valid"):
    return layers.MaxPooling2D(
        3, strides=strides, padding=padding, data_format=_CL, dtype=_FLOAT, name=name
    )(x)


def _avg_pool_exclude_pad(x, name):
    """3x3, stride 1, padding 1 average pool that ignores the padded zeros.

    `torch.nn.functional.avg_pool2d(x, 3, 1, 1, count_include_pad=False)`
    (and TensorFlow's "SAME" average pool): each output is the sum over the
    window's in-image pixels divided by their count (9 inside, 6 on an edge,
    4 in a corner). Written explicitly, so as not to depend on how each
    Keras backend treats "same" padding: the mean over the zero-padded
    window is divided by the same mean over a zero-padded map of ones,
    i.e. (sum / 9) / (count / 9).
    """

    def window_mean(t, suffix):
        t = layers.ZeroPadding2D(
            1, data_format=_CL, dtype=_FLOAT, name=f"{name}{SEPARATOR}pad_{suffix}"
        )(t)
        return layers.AveragePooling2D(
            3,
            strides=1,
            padding="valid",
            data_format=_CL,
            dtype=_FLOAT,
            name=f"{name}{SEPARATOR}mean_{suffix}",
        )(t)

    total = window_mean(x, "x")
    count = window_mean(ops.ones_like(x[..., :1]), "count")
    return ops.divide(total, count)


def _concat(tensors, name):
    return layers.Concatenate(axis=-1, dtype=_FLOAT, name=name)(tensors)


def _inception_a(x, name, pool_features):
    """FIDInceptionA (Mixed_5b/5c/5d)."""
    p = name + SEPARATOR
    branch1x1 = _conv(x, p + "branch1x1", 64, 1)
    branch5x5 = _conv(x, p + "branch5x5_1", 48, 1)
    branch5x5 = _conv(branch5x5, p + "branch5x5_2", 64, 5, padding="same")
    branch3x3dbl = _conv(x, p + "branch3x3dbl_1", 64, 1)
    branch3x3dbl = _conv(branch3x3dbl, p + "branch3x3dbl_2", 96, 3, padding="same")
    branch3x3dbl = _conv(branch3x3dbl, p + "branch3x3dbl_3", 96, 3, padding="same")
    branch_pool = _avg_pool_exclude_pad(x, p + "avg_pool")
    branch_pool = _conv(branch_pool, p + "branch_pool", pool_features, 1)
    return _concat([branch1x1, branch5x5, branch3x3dbl, branch_pool], name)


def _inception_b(x, name):
    """torchvision's InceptionB (Mixed_6a), unchanged in the FID network."""
    p = name + SEPARATOR
    branch3x3 = _conv(x, p + "branch3x3", 384, 3, strides=2)
    branch3x3dbl = _conv(x, p + "branch3x3dbl_1", 64, 1)
    branch3x3dbl = _conv(branch3x3dbl, p + "branch3x3dbl_2", 96, 3, padding="same")
    branch3x3dbl = _conv(branch3x3dbl, p + "branch3x3dbl_3", 96, 3, strides=2)
    branch_pool = _max_pool(x, p + "max_pool")
    return _concat([branch3x3, branch3x3dbl, branch_pool], name)


def _inception_c(x, name, channels_7x7):
    """FIDInceptionC (Mixed_6b..6e)."""
    p, c7 = name + SEPARATOR, channels_7x7
    branch1x1 = _conv(x, p + "branch1x1", 192, 1)
    branch7x7 = _conv(x, p + "branch7x7_1", c7, 1)
    branch7x7 = _conv(branch7x7, p + "branch7x7_2", c7, (1, 7), padding="same")
    branch7x7 = _conv(branch7x7, p + "branch7x7_3", 192, (7, 1), padding="same")
    dbl = _conv(x, p + "branch7x7dbl_1", c7, 1)
    dbl = _conv(dbl, p + "branch7x7dbl_2", c7, (7, 1), padding="same")
    dbl = _conv(dbl, p + "branch7x7dbl_3", c7, (1, 7), padding="same")
    dbl = _conv(dbl, p + "branch7x7dbl_4", c7, (7, 1), padding="same")
    dbl = _conv(dbl, p + "branch7x7dbl_5", 192, (1, 7), padding="same")
    branch_pool = _avg_pool_exclude_pad(x, p + "avg_pool")
    branch_pool = _conv(branch_pool, p + "branch_pool", 192, 1)
    return _concat([branch1x1, branch7x7, dbl, branch_pool], name)


def _inception_d(x, name):
    """torchvision's InceptionD (Mixed_7a), unchanged in the FID network."""
    p = name + SEPARATOR
    branch3x3 = _conv(x, p + "branch3x3_1", 192, 1)
    branch3x3 = _conv(branch3x3, p + "branch3x3_2", 320, 3, strides=2)
    branch7x7x3 = _conv(x, p + "branch7x7x3_1", 192, 1)
    branch7x7x3 = _conv(branch7x7x3, p + "branch7x7x3_2", 192, (1, 7), padding="same")
    branch7x7x3 = _conv(branch7x7x3, p + "branch7x7x3_3", 192, (7, 1), padding="same")
    branch7x7x3 = _conv(branch7x7x3, p + "branch7x7x3_4", 192, 3, strides=2)
    branch_pool = _max_pool(x, p + "max_pool")
    return _concat([branch3x3, branch7x7x3, branch_pool], name)


def _inception_e(x, name, pool):
    """FIDInceptionE_1 (`pool="avg"`, Mixed_7b) and FIDInceptionE_2 (`"max"`, Mixed_7c)."""
    p = name + SEPARATOR
    branch1x1 = _conv(x, p + "branch1x1", 320, 1)
    branch3x3 = _conv(x, p + "branch3x3_1", 384, 1)
    branch3x3 = _concat(
        [
            _conv(branch3x3, p + "branch3x3_2a", 384, (1, 3), padding="same"),
            _conv(branch3x3, p + "branch3x3_2b", 384, (3, 1), padding="same"),
        ],
        p + "branch3x3",
    )
    dbl = _conv(x, p + "branch3x3dbl_1", 448, 1)
    dbl = _conv(dbl, p + "branch3x3dbl_2", 384, 3, padding="same")
    dbl = _concat(
        [
            _conv(dbl, p + "branch3x3dbl_3a", 384, (1, 3), padding="same"),
            _conv(dbl, p + "branch3x3dbl_3b", 384, (3, 1), padding="same"),
        ],
        p + "branch3x3dbl",
    )
    if pool == "avg":
        branch_pool = _avg_pool_exclude_pad(x, p + "avg_pool")
    else:
        # F.max_pool2d(x, 3, stride=1, padding=1) pads with -inf; Keras'
        # "same" max pool ignores the padding likewise (and x >= 0 here,
        # being a concatenation of ReLU outputs, so even zero padding would
        # give the same maxima).
        branch_pool = _max_pool(x, p + "max_pool", strides=1, padding="same")
    branch_pool = _conv(branch_pool, p + "branch_pool", 192, 1)
    return _concat([branch1x1, branch3x3, dbl, branch_pool], name)


@keras_gan_export()
def fid_inception_v3(weights=None):
    """The FID Inception-v3 network of pytorch-fid, as a functional Keras model.

    Layer for layer the network of pytorch-fid's
    `InceptionV3(use_fid_inception=True)` (its `fid_inception_v3()`:
    torchvision's Inception-v3 with `FIDInceptionA`/`C`/`E_1`/`E_2` blocks,
    i.e. the 2015 TensorFlow graph that the reference FID code uses), built
    from `keras.layers` and `keras.ops` only, so it runs on the TensorFlow,
    JAX and PyTorch backends. Every layer is float32, also under a
    `mixed_float16` global policy.

    The input is `(batch, 299, 299, 3)` channels-last float images already
    in [-1, 1]: pytorch-fid's input after its own bilinear resize to
    299x299 and `2 * x - 1` scaling (resizing is left to the caller). The
    outputs are `[features, logits]`: the 2,048-d "pool3" features used by
    FID/KID (output layer `pool3`) and the 1,008 class logits (output layer
    `logits`; dropout, a no-op at inference, is left out).

    Layer names are pytorch-fid's module paths with `.` written `__`
    (e.g. `Mixed_5b__branch1x1__conv`), so every weight has one state-dict
    key; see `load_fid_inception_weights`.

    Args:
        weights: None (random weights: He-normal convolutions, Glorot-uniform
            fc, identity BatchNorm; reproducible with
            `keras.utils.set_random_seed`), `"pt_inception-2015-12-05"`
            (pytorch-fid's published weights from the Keras cache,
            downloaded on first use), or anything
            `load_fid_inception_weights` accepts as `source`: the path of
            a `.pth` or `.npz` file, or a dict of arrays.

    Returns:
        A `keras.Model` mapping images to `[features (batch, 2048),
        logits (batch, 1008)]`.

    Raises:
        ValueError: as `load_fid_inception_weights` when the weights do not
            fit.
        RuntimeError: when the published weights are needed and cannot be
            downloaded.

    Example:

    ```python
    model = fid_inception_v3("pt_inception-2015-12-05")
    features, logits = model(images_in_minus1_1_at_299, training=False)
    ```

    Reference:
    - [Szegedy et al., 2016](https://arxiv.org/abs/1512.00567)
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    - [pytorch-fid](https://github.com/mseitzer/pytorch-fid)
    """
    inputs = keras.Input(INPUT_SHAPE, dtype=_FLOAT, name="images")
    x = _conv(inputs, "Conv2d_1a_3x3", 32, 3, strides=2)
    x = _conv(x, "Conv2d_2a_3x3", 32, 3)
    x = _conv(x, "Conv2d_2b_3x3", 64, 3, padding="same")
    x = _max_pool(x, "maxpool1")
    x = _conv(x, "Conv2d_3b_1x1", 80, 1)
    x = _conv(x, "Conv2d_4a_3x3", 192, 3)
    x = _max_pool(x, "maxpool2")
    x = _inception_a(x, "Mixed_5b", pool_features=32)
    x = _inception_a(x, "Mixed_5c", pool_features=64)
    x = _inception_a(x, "Mixed_5d", pool_features=64)
    x = _inception_b(x, "Mixed_6a")
    x = _inception_c(x, "Mixed_6b", channels_7x7=128)
    x = _inception_c(x, "Mixed_6c", channels_7x7=160)
    x = _inception_c(x, "Mixed_6d", channels_7x7=160)
    x = _inception_c(x, "Mixed_6e", channels_7x7=192)
    x = _inception_d(x, "Mixed_7a")
    x = _inception_e(x, "Mixed_7b", pool="avg")
    x = _inception_e(x, "Mixed_7c", pool="max")
    features = layers.GlobalAveragePooling2D(
        data_format=_CL, dtype=_FLOAT, name="pool3"
    )(x)
    logits = layers.Dense(
        NUM_CLASSES, kernel_initializer="zeros", dtype=_FLOAT, name="fc"
    )(features)
    logits = layers.Identity(dtype=_FLOAT, name="logits")(logits)
    model = keras.Model(inputs, [features, logits], name="fid_inception_v3")
    if weights is None:
        _randomize(model)
    else:
        load_fid_inception_weights(model, None if _is_published(weights) else weights)
    return model


def _randomize(model):
    """He-normal conv kernels and a Glorot-uniform fc kernel, drawn with NumPy.

    The layers are built with zero kernels and filled here: Keras' random
    initializers compile one XLA program per kernel shape under JAX (about
    half a minute for this network on a CPU), NumPy draws them at once.
    The generator is seeded from NumPy's global one, so
    `keras.utils.set_random_seed` makes the weights reproducible, the same
    on every backend. BatchNorm keeps the identity (gamma 1, beta 0, mean 0,
    variance 1).
    """
    rng = np.random.default_rng(np.random.randint(2**31 - 1))
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            kh, kw, cin, cout = layer.kernel.shape
            std = np.sqrt(2.0 / (kh * kw * cin))
            layer.kernel.assign(
                rng.normal(0.0, std, (kh, kw, cin, cout)).astype(_FLOAT)
            )
        elif isinstance(layer, layers.Dense):
            n_in, n_out = layer.kernel.shape
            limit = np.sqrt(6.0 / (n_in + n_out))
            layer.kernel.assign(
                rng.uniform(-limit, limit, (n_in, n_out)).astype(_FLOAT)
            )


def _is_published(weights):
    return isinstance(weights, str) and weights == PUBLISHED_WEIGHTS


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------


def torch_key_prefix(layer_name):
    """The PyTorch module path of a Keras layer: `__` becomes `.`."""
    return layer_name.replace(SEPARATOR, ".")


def _weight_plan(model):
    """[(state-dict key, Keras variable, torch -> Keras transform, torch shape)]."""
    plan = []
    for layer in model.layers:
        if not layer.weights:
            continue
        prefix = torch_key_prefix(layer.name)
        if isinstance(layer, layers.Conv2D):
            kh, kw, cin, cout = layer.kernel.shape
            plan.append(
                (
                    f"{prefix}.weight",
                    layer.kernel,
                    lambda w: np.transpose(w, (2, 3, 1, 0)),  # OIHW -> HWIO
                    (cout, cin, kh, kw),
                )
            )
        elif isinstance(layer, layers.BatchNormalization):
            for suffix, variable in (
                ("weight", layer.gamma),
                ("bias", layer.beta),
                ("running_mean", layer.moving_mean),
                ("running_var", layer.moving_variance),
            ):
                plan.append(
                    (f"{prefix}.{suffix}", variable, None, tuple(variable.shape))
                )
        elif isinstance(layer, layers.Dense):
            n_in, n_out = layer.kernel.shape
            plan.append((f"{prefix}.weight", layer.kernel, np.transpose, (n_out, n_in)))
            plan.append((f"{prefix}.bias", layer.bias, None, (n_out,)))
        else:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) has weights that "
                "do not map to pytorch-fid's state dict; load_fid_inception_weights "
                "takes a model built by fid_inception_v3()."
            )
    return plan


def _to_numpy(value):
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _read_torch(path):
    try:
        import torch
    except ImportError as e:
        raise ImportError(
            f"Reading {path} (a PyTorch .pth file) needs torch. Install torch, "
            f"or convert the file once where torch is installed with "
            f"`python {CONVERSION_SCRIPT} {os.path.basename(path)}` and load the "
            ".npz it writes (no torch needed)."
        ) from e
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {key: _to_numpy(value) for key, value in state.items()}


def _read_state_dict(source):
    if isinstance(source, Mapping):
        return {str(key): _to_numpy(value) for key, value in source.items()}
    if not isinstance(source, (str, os.PathLike)):
        raise ValueError(
            "source must be None (pytorch-fid's published weights), the path of a "
            ".pth or .npz file, or a dict of arrays keyed like pytorch-fid's "
            f"state dict. Received an object of type {type(source).__name__}."
        )
    path = os.fspath(source)
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".pth", ".pt", ".npz"):
        raise ValueError(
            f"Unknown weights file extension {extension!r} ({path}). Accepted: "
            "a PyTorch state dict (.pth or .pt, read with torch) or the .npz "
            f"written by {CONVERSION_SCRIPT}."
        )
    if not os.path.isfile(path):
        raise ValueError(
            f"Weights file not found: {path}. Pass the path of pytorch-fid's "
            f"{FID_WEIGHTS_FILE} ({FID_WEIGHTS_URL}) or of its .npz conversion."
        )
    if extension == ".npz":
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    return _read_torch(path)


def _show(keys, limit=5):
    keys = sorted(keys)
    shown = ", ".join(keys[:limit])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > limit else "")


@keras_gan_export()
def load_fid_inception_weights(model, source=None):
    """Copy pytorch-fid's FID Inception-v3 weights into `fid_inception_v3()`'s model.

    The keys are those of the state dict of pytorch-fid's
    `fid_inception_v3()` network (torchvision-style `Inception3`, as in the
    published `pt_inception-2015-12-05-6726825d.pth`), e.g.
    `Conv2d_1a_3x3.conv.weight`, `Conv2d_1a_3x3.bn.running_mean`,
    `Mixed_7c.branch_pool.bn.running_var`, `fc.weight`, `fc.bias`.
    Convolution kernels are transposed from PyTorch's (out, in, h, w) to
    Keras' (h, w, in, out), the fc matrix from (out, in) to (in, out);
    BatchNorm weight/bias/running_mean/running_var become
    gamma/beta/moving_mean/moving_variance; `num_batches_tracked` entries
    are ignored. Every other key must be present exactly once.

    Args:
        model: A model built by `fid_inception_v3()`.
        source: None for pytorch-fid's published weights: the file in the
            Keras cache (`$KERAS_HOME/models`, by default
            `~/.keras/models/pt_inception-2015-12-05-6726825d.pth`, or its
            `.npz` conversion next to it), downloaded from `FID_WEIGHTS_URL`
            and checked against its SHA-256 prefix when absent. Otherwise the
            path of a `.pth`/`.pt` file (read with `torch.load(...,
            weights_only=True)`; needs torch), the path of a `.npz` with the
            same keys (written by `scripts/convert_fid_inception_weights.py`;
            no torch needed), or a dict of NumPy arrays (or torch tensors).

    Returns:
        The model, with its weights replaced.

    Raises:
        ValueError: missing or unexpected keys, a shape that does not fit, an
            unknown file extension, a file that does not exist, or a
            downloaded file whose SHA-256 does not start with
            `FID_WEIGHTS_SHA256_PREFIX` (the file is then deleted).
        ImportError: a `.pth` file without torch installed.
        RuntimeError: the published weights are not cached and the download
            failed.

    Example:

    ```python
    model = fid_inception_v3()
    load_fid_inception_weights(model, "pt_inception-2015-12-05-6726825d.npz")
    ```

    Reference:
    - [pytorch-fid](https://github.com/mseitzer/pytorch-fid)
    - [Heusel et al., 2017](https://arxiv.org/abs/1706.08500)
    """
    if source is None:
        source = _published_weights_path()
    state = _read_state_dict(source)
    plan = _weight_plan(model)
    expected = {key for key, *_ in plan}
    given = {key for key in state if not key.endswith("num_batches_tracked")}
    missing = expected - given
    if missing:
        raise ValueError(
            f"The FID Inception weights lack {len(missing)} of the {len(expected)} "
            f"expected keys: {_show(missing)}. Accepted: the state dict of "
            "pytorch-fid's fid_inception_v3() network (keys like "
            "'Conv2d_1a_3x3.conv.weight', 'Mixed_5b.branch1x1.bn.running_var', "
            "'fc.weight')."
        )
    unexpected = given - expected
    if unexpected:
        hint = ""
        if any(key.startswith("blocks.") for key in unexpected):
            hint = (
                " Keys starting with 'blocks.' are those of pytorch-fid's "
                "InceptionV3 wrapper; pass the state dict of its inner "
                "fid_inception_v3() network (the published .pth file) instead."
            )
        raise ValueError(
            f"The FID Inception weights hold {len(unexpected)} unexpected keys: "
            f"{_show(unexpected)}. Accepted: exactly the {len(expected)} keys of "
            "pytorch-fid's fid_inception_v3() state dict (plus optional "
            f"'num_batches_tracked' entries).{hint}"
        )
    values = []
    for key, variable, transform, torch_shape in plan:
        value = state[key]
        if tuple(value.shape) != tuple(torch_shape):
            raise ValueError(
                f"Weight {key!r} has shape {tuple(value.shape)}; the FID "
                f"Inception network expects {tuple(torch_shape)} (PyTorch layout)."
            )
        value = value.astype(np.float32)
        values.append((variable, transform(value) if transform else value))
    for variable, value in values:
        variable.assign(value)
    return model


# --------------------------------------------------------------------------
# The published file
# --------------------------------------------------------------------------


def _keras_home():
    """`keras.utils.get_file`'s default cache directory, read now (not at import)."""
    home = os.environ.get("KERAS_HOME")
    if home:
        return os.path.expanduser(home)
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def _models_dir():
    """Where `get_file(..., cache_subdir="models")` puts the file."""
    base = _keras_home()
    if os.path.isdir(base) and not os.access(base, os.W_OK):
        base = os.path.join(
            "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras"
        )
    return os.path.join(base, CACHE_SUBDIR)


def _torch_installed():
    import importlib.util

    return importlib.util.find_spec("torch") is not None


@keras_gan_export()
def fid_inception_weights_path():
    """The cached pytorch-fid weights this environment can read, or None.

    Looks in the Keras cache (`$KERAS_HOME/models`, by default
    `~/.keras/models`) for `pt_inception-2015-12-05-6726825d.pth` (used
    when torch is installed) and its conversion
    `pt_inception-2015-12-05-6726825d.npz`. Never downloads anything.

    Returns:
        The path of the `.pth` file when it is there and torch is installed,
        else the path of the `.npz` when it is there, else None.

    Example:

    ```python
    if fid_inception_weights_path() is not None:
        model = fid_inception_v3("pt_inception-2015-12-05")  # no download
    ```
    """
    directory = _models_dir()
    pth = os.path.join(directory, FID_WEIGHTS_FILE)
    npz = os.path.join(directory, FID_WEIGHTS_NPZ)
    if os.path.isfile(pth) and _torch_installed():
        return pth
    if os.path.isfile(npz):
        return npz
    return None


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _published_weights_path():
    """The cached weights, downloading and checking the `.pth` if needed."""
    cached = fid_inception_weights_path()
    if cached is not None:
        return cached
    directory = _models_dir()
    target = os.path.join(directory, FID_WEIGHTS_FILE)
    try:
        path = keras.utils.get_file(
            fname=FID_WEIGHTS_FILE,
            origin=FID_WEIGHTS_URL,
            cache_dir=os.path.dirname(directory),
            cache_subdir=CACHE_SUBDIR,
        )
    except Exception as e:  # keras.utils.get_file raises a bare Exception
        raise RuntimeError(
            f"Could not download pytorch-fid's Inception weights from "
            f"{FID_WEIGHTS_URL} ({type(e).__name__}: {e}). Download the file "
            f"by hand and put it at {target}, or convert it with "
            f"{CONVERSION_SCRIPT} and put the .npz at "
            f"{os.path.join(directory, FID_WEIGHTS_NPZ)} (no torch needed), or "
            "pass its path as `weights`/`source`."
        ) from e
    digest = _sha256(path)
    if not digest.startswith(FID_WEIGHTS_SHA256_PREFIX):
        os.remove(path)
        raise ValueError(
            f"The downloaded {FID_WEIGHTS_FILE} has SHA-256 {digest}, which does "
            f"not start with {FID_WEIGHTS_SHA256_PREFIX} (a corrupted or "
            f"incomplete download); the file was deleted. Try again, or download "
            f"{FID_WEIGHTS_URL} by hand to {target}."
        )
    return path
