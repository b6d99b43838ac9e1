"""Checks on the real data handed to `GAN.fit`, run before any training."""

import math
import types

import keras
import numpy as np

from keras_gan_layers.metrics.checks import check_images


def _first_array(element):
    """The images of one element of a dataset: `x`, `(x,)` or `(x, y, ...)`."""
    if isinstance(element, dict):
        raise ValueError(
            "GAN.fit expects batches of images (or (images, labels) tuples). "
            f"Received a dict with keys {sorted(element)}."
        )
    if isinstance(element, (tuple, list)):
        if not element:
            raise ValueError("GAN.fit received an empty batch structure.")
        return element[0]
    return element


def check_range(array, data_range, what, model="GAN"):
    """Raise if real `what` are integer-typed, non-finite or outside `data_range`.

    `GAN.fit`'s use of `keras_gan_layers.metrics.checks.check_images`, the
    check that the evaluation paths share; `model` names the class that
    takes `data_range`.
    """
    check_images(
        array,
        f"real {what}",
        model,
        data_range,
        range_name="data_range",
        skip_hint=f"pass data_range=(low, high) or None to {model} (None skips "
        "this check)",
    )


def peek_first_batch(x, method="fit"):
    """`(first_element, x)` for a dataset, PyDataset, torch DataLoader or generator.

    A generator's first element is put back in front of the rest (the
    returned `x` replaces the one given); other inputs are returned as they
    are. Arrays and array tuples return `(None, x)`: check them whole.
    `method` names the caller in the errors for empty inputs.
    """
    if isinstance(x, types.GeneratorType):
        try:
            first = next(x)
        except StopIteration:
            raise ValueError(
                f"{method} received an empty generator: it yielded no batch. "
                "Accepted: a generator yielding batches of images (or "
                "(images, labels) tuples)."
            ) from None
        return first, _put_back(first, x)
    if hasattr(x, "element_spec") and hasattr(x, "take"):  # tf.data.Dataset
        for element in x.take(1):
            return element, x
        raise ValueError(f"{method} received an empty tf.data.Dataset.")
    if (
        hasattr(x, "__getitem__")
        and hasattr(x, "on_epoch_end")
        and hasattr(x, "num_batches")
    ):  # keras.utils.PyDataset
        if x.num_batches == 0:
            raise ValueError(
                f"{method} received an empty keras.utils.PyDataset ({type(x).__name__} "
                "has 0 batches)."
            )
        return x[0], x
    if _is_torch_data_loader(x):  # re-iterable: peeking costs one batch
        for element in x:
            return element, x
        raise ValueError(f"{method} received an empty torch DataLoader.")
    return None, x


def _is_torch_data_loader(x):
    return any(
        cls.__name__ == "DataLoader" and cls.__module__.startswith("torch.")
        for cls in type(x).__mro__
    )


def check_real_data(x, data_range, what="images", model="GAN"):
    """Check `x` as given to `fit`; return what `fit` should use instead.

    Arrays are checked whole. A `tf.data.Dataset` or `keras.utils.PyDataset`
    is checked on its first batch; a Python generator is checked on its first
    batch, which is then put back in front of the rest.
    """
    if data_range is None or x is None:
        return x
    first, x = peek_first_batch(x)
    if first is not None:
        check_range(_as_numpy(_first_array(first)), data_range, what, model)
        return x
    if isinstance(x, (tuple, list)) and x and not np.isscalar(x[0]):
        check_range(_as_numpy(x[0]), data_range, what, model)
        return x
    check_range(_as_numpy(x), data_range, what, model)
    return x


def check_labels(labels, num_classes, what="labels"):
    """Raise unless `labels` are class ids in [0, num_classes) or one-hot rows.

    Accepted: integers of shape `(n,)` or `(n, 1)`; floats or integers of
    shape `(n, num_classes)` whose rows are one-hot.

    Returns:
        The class ids as an int32 numpy array of shape `(n,)`.
    """
    labels = _as_numpy(labels)
    accepted = (
        f"Accepted: integer class ids in [0, {num_classes}) of shape (n,) or "
        f"(n, 1), or one-hot rows of shape (n, {num_classes})."
    )
    if labels.ndim == 2 and labels.shape[1] == num_classes and num_classes > 1:
        if labels.dtype.kind not in "iubf" or not np.all((labels == 0) | (labels == 1)):
            raise ValueError(
                f"{what} of shape {labels.shape} are not one-hot: values other "
                f"than 0 and 1 found. {accepted}"
            )
        if not np.all(labels.sum(axis=1) == 1):
            raise ValueError(
                f"{what} of shape {labels.shape} are not one-hot: some rows do "
                f"not sum to 1. {accepted}"
            )
        return labels.argmax(axis=1).astype("int32")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"{what} have shape {labels.shape}. {accepted}")
    if labels.dtype.kind == "f":
        raise ValueError(
            f"{what} are floats ({labels.dtype}) but not one-hot rows. Cast "
            f"class ids to integers (labels.astype('int32')). {accepted}"
        )
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{what} have dtype {labels.dtype}. {accepted}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{what} must lie in [0, {num_classes}) (num_classes={num_classes}). "
            f"Received values in [{labels.min()}, {labels.max()}]."
        )
    return labels.astype("int32")


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def first_samples(x, y, size=2):
    """`(images, labels, first_length, x)` from the first batch of `x`.

    `images` and `labels` are numpy arrays of up to `size` samples
    (`labels` None without labels; `images` None when `x` is None or holds
    dicts). `first_length` is the length of a dataset's first batch (None
    for arrays). The returned `x` replaces the given one (a generator's
    first batch is put back).
    """
    if x is None:
        return None, None, None, x
    first, x = peek_first_batch(x)
    if first is not None:
        if isinstance(first, dict):
            return None, None, None, x
        if isinstance(first, (tuple, list)):
            images = _as_numpy(first[0])
            labels = _as_numpy(first[1]) if len(first) > 1 else None
        else:
            images, labels = _as_numpy(first), None
        length = len(images) if images.ndim else None
        labels = None if labels is None or labels.ndim == 0 else labels[:size]
        return images[:size], labels, length, x
    if isinstance(x, dict):
        return None, None, None, x
    images = x
    if isinstance(x, (tuple, list)) and x and not np.isscalar(x[0]):
        images = x[0]
        if y is None and len(x) > 1:
            y = x[1]
    images = _as_numpy(images[:size])
    labels = None if y is None else _as_numpy(y[:size])
    return images, labels, None, x


def check_sample_shape(images, network, model_name, what="images", batch_shape=None):
    """Raise unless one sample of `images` fits `network`'s first input.

    `batch_shape` is the shape of a dataset's whole first batch (`images`
    may hold only part of it), to recognise an unbatched dataset.
    """
    inputs = getattr(network, "inputs", None)
    if not inputs or images is None or images.ndim == 0:
        return
    expected = tuple(inputs[0].shape[1:])
    got = tuple(images.shape[1:])
    if compatible_shape(expected, got):
        return
    hint = (
        "Give samples of that shape (resize them, or read image folders with "
        "the matching color_mode), or build the networks for "
        f"{_shape_str((None, *got))}."
    )
    if batch_shape is not None and compatible_shape(expected, batch_shape):
        hint = (
            "The dataset is not batched: its elements are single samples. "
            "Batch it (dataset.batch(64))."
        )
    elif len(got) + 1 == len(expected) and expected[-1] == 1:
        hint = (
            "Add the channel axis: x[..., None] (fit does not add it, so that "
            "real and generated images always have the same shape)."
        )
    raise ValueError(
        f"{model_name}.fit: the real {what} have shape "
        f"{_shape_str((None, *got))}, but the discriminator takes "
        f"{_shape_str((None, *expected))}. {hint}"
    )


def compatible_shape(expected, got):
    """Whether shape `got` fits `expected` (None in `expected`: any size)."""
    return len(expected) == len(got) and all(
        e is None or e == g for e, g in zip(expected, got)
    )


def _normalized_axes(axis, rank):
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return {a % rank for a in axes}


def _sublayers(layer):
    """The layers directly inside `layer`: a model's `layers`, or the
    sublayers a custom layer holds as attributes (ConditionalBatchNormalization's;
    Keras tracks them, while under PyTorch they are not in `vars(layer)`)."""
    if isinstance(layer, keras.Model):
        return layer.layers
    return list(layer._flatten_layers(include_self=False, recursive=False))


def degenerate_batch_norms(network):
    """Names of the batch normalizations of `network` that see one value per
    feature in a batch of one sample (their input has no axis besides the batch
    and the normalized ones, or only axes of size 1): with a single sample, they
    output their offset whatever the input.
    """
    return [
        path
        for path, layer in find_layers(network, keras.layers.BatchNormalization)
        if layer.trainable and _one_value_per_feature(layer)
    ]


def find_layers(network, cls):
    """`(path, layer)` of every instance of `cls` inside `network`, each once,
    the path the names from `network` down (`"discriminator/block/mbstd"`)."""
    found, seen = [], set()

    def visit(layer, prefix):
        for sub in _sublayers(layer):
            if id(sub) in seen:
                continue
            seen.add(id(sub))
            path = f"{prefix}/{sub.name}"
            if isinstance(sub, cls):
                found.append((path, sub))
            else:
                visit(sub, path)

    visit(network, network.name)
    return found


def _one_value_per_feature(layer):
    try:
        shape = (layer.get_build_config() or {}).get("input_shape")
    except Exception:
        return False
    if not shape or isinstance(shape[0], (list, tuple)):
        return False
    rank = len(shape)
    axes = _normalized_axes(layer.axis, rank)
    others = [shape[d] for d in range(1, rank) if d not in axes]
    return all(d == 1 for d in others)


def check_batch_norm_batch_size(model, batch_sizes, networks):
    """Raise if a batch of one sample would meet a degenerate batch norm."""
    sizes = [b for b in batch_sizes if b is not None]
    if 1 not in sizes:
        return
    layers = [name for net in networks for name in degenerate_batch_norms(net)]
    if not layers:
        return
    raise ValueError(
        f"{type(model).__name__}.fit would train on batches of 1 sample, but "
        f"batch normalization {', '.join(layers)} normalizes each feature over "
        "the batch only: with one sample its statistics are degenerate "
        "(variance 0) and it outputs its offset whatever the input. Use a "
        "batch size >= 2 (and no final batch of 1 sample: drop it, or pick "
        "a batch_size that divides the data), or another normalization "
        "(keras.layers.LayerNormalization, GroupNormalization)."
    )


def minibatch_stddev_layers(network):
    """`(path, layer)` of every `MinibatchStdDev` inside `network`."""
    from keras_gan_layers.layers import MinibatchStdDev

    return find_layers(network, MinibatchStdDev)


def check_minibatch_stddev_batch_size(
    model, batch_sizes, network, what="a batch", method="fit"
):
    """Raise if a batch would not split into `MinibatchStdDev`'s groups.

    The discriminator sees `b // pack` samples of a batch of `b` (of each
    replica's share of it under a `tf.distribute` strategy); each
    `MinibatchStdDev` needs that divisible by `min(group_size, b // pack)`.
    Checked before training: otherwise the last, shorter batch of an epoch
    fails in the layer after the epoch's work. `method` names the caller
    (`fit`, `evaluate`) in the error.
    """
    if not isinstance(network, keras.Model):
        return
    pack = getattr(model, "pack", 1)
    # tf.distribute runs the step once per replica on its share of the
    # batch (as even as it can be); JAX's keras.distribution runs one
    # global step, so the layer sees the whole batch there.
    strategy = getattr(model, "distribute_strategy", None)
    replicas = int(getattr(strategy, "num_replicas_in_sync", 1) or 1)
    for path, layer in minibatch_stddev_layers(network):
        for b in batch_sizes:
            if b is None:
                continue
            for share in sorted({b // replicas, -(-b // replicas)}, reverse=True):
                _check_groups(
                    model, path, layer, b, share, pack, replicas, what, method
                )


def check_validation_batches(model, x, validation_data, validation_split, batch_size):
    """`check_minibatch_stddev_batch_size` on the validation batches `fit`
    will make: of `validation_data` arrays (first and last), of a
    `validation_data` dataset or generator (its first), or of the part of
    the training arrays `validation_split` holds out. Returns
    `validation_data` (a generator's first batch put back)."""
    network = getattr(model, "discriminator", None)
    if not isinstance(network, keras.Model) or not minibatch_stddev_layers(network):
        return validation_data
    if validation_data is not None:
        val = validation_data
        if isinstance(val, tuple) and val:
            val = val[0]
        n = _num_samples(val)
        if n is None:  # a dataset or generator
            first, validation_data = peek_first_batch(validation_data)
            if isinstance(first, (tuple, list)) and first:
                first = first[0]
            size = None if first is None else _num_samples(first)
            if size:
                check_minibatch_stddev_batch_size(
                    model, [size], network, "a validation batch"
                )
            return validation_data
    elif validation_split:
        n = _num_samples(x[0] if isinstance(x, (tuple, list)) and x else x)
        if n is not None:
            n -= _training_part(n, validation_split)
    else:
        return validation_data
    if n:
        check_minibatch_stddev_batch_size(
            model, _sizes(n, batch_size), network, "a validation batch"
        )
    return validation_data


def check_evaluation_batches(model, x, batch_size, steps=None):
    """Check the batches `evaluate` will make: of arrays, the first and the
    last (of the first `steps` batches with `steps`); of a dataset or
    generator, its first. With `pack` > 1 each must hold at least `pack`
    samples (a smaller one gave NaN losses), and each must split into the
    discriminator's `MinibatchStdDev` groups. Returns `x` (a generator's
    first batch put back). Inputs Keras does not take are left to Keras'
    own error."""
    network = getattr(model, "discriminator", None)
    pack = getattr(model, "pack", 1)
    has_groups = isinstance(network, keras.Model) and minibatch_stddev_layers(network)
    if pack == 1 and not has_groups:
        return x
    first, x = peek_first_batch(x, "evaluate")
    if first is not None:
        if isinstance(first, (tuple, list)) and first:
            first = first[0]
        sizes = [_num_samples(first)]
    else:
        n = _num_samples(x[0] if isinstance(x, (tuple, list)) and x else x)
        if n is None:
            return x
        if steps is not None:
            n = min(n, int(steps) * (32 if batch_size is None else int(batch_size)))
        sizes = _sizes(n, batch_size) if n else []
    small = [b for b in sizes if b is not None and b < pack]
    if small:
        raise ValueError(
            f"{type(model).__name__}.evaluate with pack={pack} needs batches "
            f"of at least {pack} samples (the discriminator judges {pack} at "
            f"once); a batch would hold {small[0]}. Use batch_size >= {pack} "
            "(a multiple of it uses every sample)."
        )
    if has_groups:
        check_minibatch_stddev_batch_size(
            model, sizes, network, "an evaluation batch", method="evaluate"
        )
    return x


def _num_samples(arr):
    """Samples of an array-like (numpy, tensor), None for anything else."""
    shape = getattr(arr, "shape", None)
    if shape is None or len(shape) == 0 or shape[0] is None:
        return None
    return int(shape[0])


def training_part(x, y, validation_split):
    """`(x, y)` cut to the samples `fit` trains on when `validation_split`
    holds out the rest (arrays, as Keras' `train_validation_split`)."""
    n = _num_samples(x[0] if isinstance(x, (tuple, list)) and x else x)
    if n is None:
        return x, y
    keep = _training_part(n, validation_split)

    def cut(t):
        if isinstance(t, (tuple, list)):
            return type(t)(cut(u) for u in t)
        return t[:keep] if _num_samples(t) == n else t

    return cut(x), (None if y is None else cut(y))


def _training_part(n, validation_split):
    """Samples `fit` trains on when `validation_split` holds out the rest (as
    Keras' `train_validation_split`: the first floor(n * (1 - split)))."""
    return int(math.floor(n * (1.0 - validation_split))) if validation_split else n


def _check_groups(model, path, layer, b, share, pack, replicas, what, method):
    seen = share // pack
    if seen < 1:
        return
    group = min(layer.group_size, seen)
    if seen % group:
        packed = f", {share} samples packed by {pack}" if pack > 1 else ""
        split = (
            f" ({b} samples split over {replicas} replicas{packed})"
            if replicas > 1
            else (f" ({share} samples packed by {pack})" if pack > 1 else "")
        )
        raise ValueError(
            f"{type(model).__name__}.{method} would give the discriminator "
            f"{what} of {seen} samples{split}, but {path} "
            f"(MinibatchStdDev, group_size={layer.group_size}) needs "
            f"batches divisible by min(group_size, batch)={group}. "
            f"Use a batch_size that is a multiple of "
            f"{layer.group_size * pack * replicas} and a number of samples "
            "that batch_size divides (or a dataset batched with "
            "drop_remainder=True), or a discriminator without the layer."
        )


def _batch_sizes(x, batch_size, first_length):
    """Sizes of the batches `fit` will make: first (and last, for arrays)."""
    if first_length is not None:  # a dataset: its first batch
        return [first_length]
    if x is None or isinstance(x, dict):
        return []
    arr = x[0] if isinstance(x, (tuple, list)) and x else x
    try:
        n = len(arr)
    except TypeError:
        return []
    return _sizes(n, batch_size)


def _sizes(n, batch_size):
    """First and last batch sizes of `n` samples batched as `fit` batches
    arrays (`batch_size` None: Keras' 32); the last only when it is short."""
    size = 32 if batch_size is None else int(batch_size)
    return [min(size, n)] + ([n % size] if n > size and n % size else [])


def _depends_on_input(view, probes, loss_scale=None):
    """Whether the input gradient of `view` is non-zero on one of `probes`.

    `loss_scale` keeps float16 gradients from underflowing to zero (an
    overflow is not finite, which counts as depending on the input).
    """
    from keras_gan_layers.backend import input_gradient

    for probe in probes:
        try:
            grad = input_gradient(
                lambda t: view(t, training=False),
                probe,
                variables=view.variables,
                loss_scale=loss_scale,
            )
        except RuntimeError as e:
            # PyTorch: an output with no autograd history at all.
            if "does not require grad" not in str(e):
                raise
            continue
        grad = keras.ops.convert_to_numpy(grad)
        if np.any(grad != 0) or not np.all(np.isfinite(grad)):
            return True
    return False


def check_penalty_gradients(model, view, images):
    """Raise if the penalties would differentiate an input-independent output.

    Only penalties marked `uses_input_gradient` count (GP, R1, R2, DRAGAN).
    Evaluates the input gradient of `view` (the discriminator as the
    penalties see it, in inference mode) once, eagerly, on `images` (a few
    real samples) and on random samples of the same shape in `data_range`.
    If it is zero everywhere, it is evaluated again with the discriminator's
    trainable weights set to random values (then restored), so that weights
    that are merely zero at the start (a zero-initialised last layer) pass;
    still zero, the output does not depend on the input and this raises.
    """
    penalties = [
        p
        for p in getattr(model, "penalties", [])
        if getattr(p, "uses_input_gradient", False)
    ]
    if not penalties or images is None:
        return
    images = images.astype("float32")
    data_range = getattr(model, "data_range", None)
    rng = np.random.default_rng(0)
    if data_range is None:
        noise = rng.standard_normal(images.shape)
    else:
        noise = rng.uniform(data_range[0], data_range[1], images.shape)
    probes = (images, noise.astype("float32"))
    # Under mixed_float16 the gradient is loss-scaled as in training.
    loss_scale = 2.0**15 if model.dtype_policy.compute_dtype == "float16" else None
    if _depends_on_input(view, probes, loss_scale):
        return
    weights = list(getattr(view.network, "trainable_variables", []))
    saved = [keras.ops.convert_to_numpy(w) for w in weights]
    try:
        for w, value in zip(weights, saved):
            w.assign(rng.normal(0.0, 0.5, value.shape).astype(value.dtype))
        if _depends_on_input(view, probes, loss_scale):
            return
    finally:
        for w, value in zip(weights, saved):
            w.assign(value)
    names = ", ".join(f"{p.name} ({type(p).__name__})" for p in penalties)
    raise ValueError(
        f"The penalty {names} differentiates the discriminator's output with "
        "respect to its input images, but that output does not depend on its "
        "input: the input gradient is exactly zero on real and on random "
        "images, whatever the weights, so the penalty would be a constant and "
        "the generator would get no gradient. Check that the discriminator "
        "uses its image input (no stop_gradient, no constant output, the "
        "image input connected to the output), or compile without this "
        "penalty."
    )


def check_networks_on_data(model, x, y, batch_size, view=None):
    """Checks that need the networks and the real data, once before training.

    - one sample of the real data has the discriminator's input shape;
    - no batch of 1 sample meets a batch normalization that would see one
      value per feature (`degenerate_batch_norms`);
    - with penalties that use input gradients, the discriminator's output
      depends on its input (`check_penalty_gradients`).

    Args:
        model: The model being fitted (`discriminator`, `generator`,
            `penalties`, `data_range`).
        x, y: As `fit` received them, after `check_training_data`.
        batch_size: `fit`'s `batch_size`.
        view: Function `(images, labels) -> DiscriminatorView` binding what
            the discriminator needs besides the images, or None to skip
            the penalty check.

    Returns:
        `(x, y)` to train on (a generator's first batch is put back).
    """
    pack = getattr(model, "pack", 1)
    images, labels, first_length, x = first_samples(x, y, size=2 * pack)
    name = type(model).__name__
    discriminator = getattr(model, "discriminator", None)
    batch_shape = None
    if first_length is not None and images is not None:
        batch_shape = (first_length, *images.shape[1:])
    if pack > 1 and images is not None and images.ndim > 0:
        fresh = getattr(model, "fresh_real_batches", False)
        images = _packed(
            images,
            pack,
            _real_batch_sizes(model, x, batch_size, first_length),
            name,
            getattr(model, "d_steps", 1) if fresh else 1,
        )
        labels = None
        batch_shape = None
    check_sample_shape(images, discriminator, name, batch_shape=batch_shape)
    networks = [
        getattr(model, key)
        for key in getattr(model, "network_arguments", ())
        if isinstance(getattr(model, key, None), keras.layers.Layer)
    ]
    check_batch_norm_batch_size(
        model, _batch_sizes(x, batch_size, first_length), networks
    )
    check_minibatch_stddev_batch_size(
        model,
        _real_batch_sizes(model, x, batch_size, first_length),
        discriminator,
    )
    if view is not None and images is not None and len(images):
        bound = view(images, labels)
        if bound is not None:
            check_penalty_gradients(model, bound, images)
    return x, y


def _real_batch_sizes(model, x, batch_size, first_length):
    """Sizes of the real batches one discriminator update sees.

    With `fresh_real_batches` and `d_steps = d`, arrays are batched `d`
    times `batch_size` at a time and each batch of `b` samples is split
    into `d` parts, the smallest of `max(1, b // d)` samples (a dataset's
    first batch already has the size of one part).
    """
    d = getattr(model, "d_steps", 1)
    if not getattr(model, "fresh_real_batches", False) or d == 1:
        return _batch_sizes(x, batch_size, first_length)
    if first_length is not None:
        return [first_length]
    size = d * (32 if batch_size is None else int(batch_size))
    # The first b % d parts hold one sample more than the others.
    return [
        part
        for b in _batch_sizes(x, size, None)
        for part in dict.fromkeys((max(1, b // d), max(1, -(-b // d))))
    ]


def _packed(images, pack, batch_sizes, name, d_steps=1):
    """The first samples packed as the step packs them (PacGAN), checked."""
    from keras import ops

    from keras_gan_layers.models.packing import pack_samples

    small = [b for b in batch_sizes if b is not None and b < pack]
    hint = (
        f" With compile(fresh_real_batches=True, d_steps={d_steps}) each "
        f"batch of d_steps * batch_size samples is split into {d_steps} "
        "parts, so a short last batch gives small parts: use a number of "
        "samples that is a multiple of d_steps * batch_size."
        if d_steps > 1
        else ""
    )
    if small or len(images) < pack:
        size = small[0] if small else len(images)
        raise ValueError(
            f"{name}.fit with pack={pack} needs batches of at least {pack} "
            f"samples (the discriminator judges {pack} at once); a batch "
            f"would hold {size}. Use batch_size >= {pack} (a multiple of it "
            f"uses every sample).{hint}"
        )
    return ops.convert_to_numpy(pack_samples(images, pack))


def _put_back(first, rest):
    yield first
    yield from rest


def _as_numpy(value):
    if hasattr(value, "numpy"):
        return value.numpy()
    return np.asarray(value)
