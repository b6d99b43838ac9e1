"""pytorch-fid's Inception network as a test reference, importable without torchvision's ops.

pytorch-fid builds its FID Inception-v3 from torchvision's pure-Python
`Inception3`. `import torchvision` runs `torchvision/__init__.py`, which
registers compiled operators (`torchvision::nms`, ...) that fail to load
with some CPU builds of torch. The model definitions do not need them, so
when the normal import fails the package paths of `torchvision` and
`torchvision.models` are registered as bare modules (their `__init__` files
are not run) and only `torchvision.models.inception` is imported.
"""

import importlib
import importlib.util
import os
import sys
import types

import pytest


def _register_torchvision_without_ops():
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pytorch-fid's reference needs torchvision (not installed)")
    root = list(spec.submodule_search_locations)[0]
    for name in [
        m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")
    ]:
        del sys.modules[name]  # a half-imported torchvision from the failed attempt
    package = types.ModuleType("torchvision")
    package.__path__ = [root]
    package.__file__ = os.path.join(root, "__init__.py")
    try:
        from importlib.metadata import version

        package.__version__ = version("torchvision")
    except Exception:  # noqa: BLE001 - any version >= 0.13 takes the same path
        package.__version__ = "0.28.0"
    sys.modules["torchvision"] = package
    models = types.ModuleType("torchvision.models")
    models.__path__ = [os.path.join(root, "models")]
    sys.modules["torchvision.models"] = models
    package.models = models
    inception = importlib.import_module("torchvision.models.inception")
    models.inception = inception
    models.inception_v3 = inception.inception_v3
    models.Inception3 = inception.Inception3


def pytorch_fid_inception():
    """pytorch-fid's `pytorch_fid.inception` module, or skip the test.

    Skips (with the reason) when torch or pytorch-fid is not installed, as
    in the TensorFlow CI pass.
    """
    for package in ("torch", "pytorch_fid"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(
                f"the pytorch-fid reference needs {package} "
                "(pip install --no-deps pytorch-fid torchvision)"
            )
    try:
        return importlib.import_module("pytorch_fid.inception")
    except Exception:  # noqa: BLE001 - torchvision's compiled ops failed to load
        for name in [m for m in sys.modules if m.startswith("pytorch_fid")]:
            del sys.modules[name]
    _register_torchvision_without_ops()
    return importlib.import_module("pytorch_fid.inception")


def random_fid_inception(seed=0):
    """pytorch-fid's `fid_inception_v3()` network with random weights, in eval mode.

    `fid_inception_v3()` downloads the published weights through
    `load_state_dict_from_url`; that function is replaced for the call by
    one that returns the network's own (random) state dict, so nothing is
    downloaded. Every weight is then randomised, BatchNorm included, so that
    it is really exercised: conv and fc weights He-normal, BN gamma and
    running variances U(0.5, 1.5), BN beta, running means and the fc bias
    N(0, 0.1^2).
    """
    import numpy as np
    import torch

    module = pytorch_fid_inception()
    built = {}
    build = module._inception_v3
    fetch = module.load_state_dict_from_url

    def record(*args, **kwargs):
        built["net"] = build(*args, **kwargs)
        return built["net"]

    # fid_inception_v3() patches the FID blocks into the network built by
    # _inception_v3 and then loads the "downloaded" state dict into it: hand
    # it that same network's own state dict instead of downloading.
    module._inception_v3 = record
    module.load_state_dict_from_url = lambda *args, **kwargs: built["net"].state_dict()
    try:
        net = module.fid_inception_v3()
    finally:
        module._inception_v3 = build
        module.load_state_dict_from_url = fetch
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in net.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            shape = tensor.shape
            if name.endswith("running_var") or name.endswith("bn.weight"):
                value = 0.5 + torch.rand(shape, generator=generator)
            elif name.endswith("running_mean") or name.endswith("bias"):
                value = 0.1 * torch.randn(shape, generator=generator)
            else:  # conv and fc weights: He-normal, so activations keep their scale
                fan_in = int(np.prod(shape[1:]))
                value = torch.randn(shape, generator=generator) * (2.0 / fan_in) ** 0.5
            tensor.copy_(value)
    return net.eval()


def reference_outputs(net, images, batch_size=8):
    """pytorch-fid's pool3 features and the network's logits, for NHWC images.

    The features come from pytorch-fid's own `InceptionV3([3],
    resize_input=False, normalize_input=False)` wrapper around `net` (its
    block 3 ends in `AdaptiveAvgPool2d`), the logits from `net.fc` applied
    to them: `Inception3.forward` puts only a dropout (a no-op in eval
    mode) and a flatten between the two.
    """
    import numpy as np
    import torch

    module = pytorch_fid_inception()
    build = module.fid_inception_v3
    module.fid_inception_v3 = lambda: net
    try:
        wrapper = module.InceptionV3(
            [3], resize_input=False, normalize_input=False, use_fid_inception=True
        ).eval()
    finally:
        module.fid_inception_v3 = build
    features, logits = [], []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            batch = np.ascontiguousarray(
                images[start : start + batch_size].transpose(0, 3, 1, 2)
            )
            pool = wrapper(torch.from_numpy(batch))[0].flatten(1)
            features.append(pool.numpy())
            logits.append(net.fc(pool).numpy())
    return np.concatenate(features), np.concatenate(logits)


def pytorch_fid_frechet_distance():
    """pytorch-fid's `calculate_frechet_distance` (its module imports torchvision)."""
    pytorch_fid_inception()  # registers torchvision, or skips
    return importlib.import_module("pytorch_fid.fid_score").calculate_frechet_distance
