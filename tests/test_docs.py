"""The documentation site covers the public API.

`mkdocs build --strict` (the `docs` extra, run in CI) fails on a broken link,
a `:::` reference that does not resolve or a docstring griffe cannot parse.
It cannot notice what is missing: a new public object that no page
references. These tests can: every public name exported by `keras_gan_layers`
and its subpackages must be rendered by some `::: path` directive under
docs/ (by identity, so `::: keras_gan_layers.GAN` covers
`keras_gan_layers.models.GAN`), and must have its own docstring.
They need only the package itself (and keras-tuner, of the test extra, for
`keras_gan_layers.tuners`).
"""

import importlib
import inspect
import os
import re

import pytest

pytestmark = pytest.mark.backend_independent

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")

# The modules whose exports make up the public API (README's "Public API"
# table): the package itself and the subpackages it re-exports, plus
# `models` and `tuners`.
PUBLIC_MODULES = [
    "keras_gan_layers",
    "keras_gan_layers.models",
    "keras_gan_layers.architectures",
    "keras_gan_layers.callbacks",
    "keras_gan_layers.datasets",
    "keras_gan_layers.layers",
    "keras_gan_layers.losses",
    "keras_gan_layers.metrics",
    "keras_gan_layers.penalties",
    "keras_gan_layers.schedules",
    "keras_gan_layers.utils",
    "keras_gan_layers.tuners",
]

_DIRECTIVE = re.compile(r"^::: +([\w.]+)\s*$")


def _import(module_name):
    if module_name == "keras_gan_layers.tuners":
        pytest.importorskip("keras_tuner")
    return importlib.import_module(module_name)


def public_names(module):
    """Names a user imports from `module`: `__all__`, else its exports.

    Without `__all__`, the public names are those not starting with an
    underscore that are not modules and were defined inside `module` (a
    subpackage's re-exports from its own files count; a helper imported
    from elsewhere, such as `keras_gan_export` in `schedules`, does not).
    Constants (tuples, dicts) have no `__module__`; they count.
    """
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    out = []
    for name, obj in vars(module).items():
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        origin = getattr(obj, "__module__", None)
        if callable(obj) and not (origin or "").startswith(module.__name__):
            continue
        out.append(name)
    return sorted(out)


def directives():
    """`(page, dotted path)` of every `::: path` line under docs/."""
    found = []
    for folder, _, files in os.walk(DOCS):
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            path = os.path.join(folder, name)
            in_fence = False
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.lstrip().startswith("```"):
                        in_fence = not in_fence
                        continue
                    match = None if in_fence else _DIRECTIVE.match(line)
                    if match:
                        found.append((os.path.relpath(path, DOCS), match[1]))
    return found


def resolve(dotted):
    """The object `dotted` names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def documented_ids():
    ids = set()
    for _, dotted in directives():
        if dotted.startswith("keras_gan_layers.tuners"):
            try:
                import keras_tuner  # noqa: F401
            except ImportError:
                continue
        ids.add(id(resolve(dotted)))
    return ids


def test_directives_found():
    # The walk and the pattern work: the reference pages hold many.
    paths = [dotted for _, dotted in directives()]
    assert "keras_gan_layers.GAN" in paths
    assert len(paths) == len(set(paths)), "an object is rendered twice"


def test_every_directive_resolves():
    for page, dotted in directives():
        if dotted.startswith("keras_gan_layers.tuners"):
            pytest.importorskip("keras_tuner")
        try:
            resolve(dotted)
        except (ImportError, AttributeError) as e:
            pytest.fail(f"docs/{page}: `::: {dotted}` does not resolve ({e!r})")


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_object_has_a_reference_entry(module_name):
    module = _import(module_name)
    names = public_names(module)
    assert names, f"{module_name} exports nothing?"
    ids = documented_ids()
    missing = [n for n in names if id(getattr(module, n)) not in ids]
    assert not missing, (
        f"public names of {module_name} that no `::: ` directive under docs/ "
        f"renders: {missing}. Add `::: {module_name}.<name>` to the matching "
        "page of docs/api/."
    )


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_class_and_function_has_a_docstring(module_name):
    module = _import(module_name)
    undocumented = [
        n
        for n in public_names(module)
        if (
            inspect.isclass(getattr(module, n))
            or inspect.isfunction(getattr(module, n))
        )
        and not (getattr(module, n).__doc__ or "").strip()
    ]
    assert not undocumented, f"{module_name}: no docstring on {undocumented}"


def test_public_names_rule():
    # The rule behind the lists above, on a module made for the test.
    import types

    m = types.ModuleType("pkg.sub")
    exec(
        "import os\n"
        "from os.path import join\n"
        "CONSTANT = (1, 2)\n"
        "_private = 1\n"
        "def mine(): pass\n"
        "class Mine: pass\n",
        m.__dict__,
    )
    m.mine.__module__ = m.Mine.__module__ = "pkg.sub.file"
    assert public_names(m) == ["CONSTANT", "Mine", "mine"]
    m.__all__ = ["mine"]
    assert public_names(m) == ["mine"]


def test_keras_docstring_sections_extension():
    # docs/_ext/keras_docstrings.py rewrites Keras' sections for griffe; the
    # expected text is written out by hand.
    pytest.importorskip("griffe")
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "keras_docstrings", os.path.join(DOCS, "_ext", "keras_docstrings.py")
    )
    ext = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ext)
    text = (
        "Summary.\n"
        "\n"
        "Args:\n"
        "    units: Int.\n"
        "\n"
        "Call arguments:\n"
        "    inputs: A tensor.\n"
        "\n"
        "Example:\n"
        "\n"
        "```python\n"
        "Layer(2)(x)\n"
        "\n"
        "y = 1\n"
        "```\n"
        "\n"
        "Reference:\n"
        "- [A, 2020](https://arxiv.org/abs/1)\n"
        "- [B, 2021](https://arxiv.org/abs/2)"
    )
    expected = (
        "Summary.\n"
        "\n"
        "Args:\n"
        "    units: Int.\n"
        "\n"
        "Other parameters: Call arguments\n"
        "    inputs: A tensor.\n"
        "\n"
        "Example:\n"
        "    ```python\n"
        "    Layer(2)(x)\n"
        "\n"
        "    y = 1\n"
        "    ```\n"
        "\n"
        "Reference:\n"
        "    - [A, 2020](https://arxiv.org/abs/1)\n"
        "    - [B, 2021](https://arxiv.org/abs/2)\n"
    )
    assert ext.rewrite(text) == expected
    # Already indented sections are left alone.
    indented = "Summary.\n\nReference:\n    - [A](https://arxiv.org/abs/1)"
    assert ext.rewrite(indented) == indented


def test_table_pipes_hook():
    # docs/_ext/table_pipes.py: GitHub's `\|` in code spans of table rows
    # becomes `|` for Python-Markdown; elsewhere the text is left alone.
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "table_pipes", os.path.join(DOCS, "_ext", "table_pipes.py")
    )
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    text = (
        "| A05 | `train --model cyclegan\\|pix2pix` | mean \\|.\\| |\n"
        "Not a row: `a\\|b`\n"
        "```\n"
        "| `x\\|y` |\n"
        "```"
    )
    expected = (
        "| A05 | `train --model cyclegan|pix2pix` | mean \\|.\\| |\n"
        "Not a row: `a\\|b`\n"
        "```\n"
        "| `x\\|y` |\n"
        "```"
    )
    assert hook.unescape_table_code_pipes(text) == expected
