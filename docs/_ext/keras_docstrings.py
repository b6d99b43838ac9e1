"""Griffe extension: Keras-style docstring sections for mkdocstrings.

The docstrings follow Keras' order (`Args:`, `Call arguments:`, `Returns:`,
`Raises:`, `Example:`, `Reference:`). Griffe's Google parser knows `Args`,
`Returns` and `Raises`; this extension rewrites the other three before
parsing, without touching the source:

- `Call arguments:` becomes a parameters-style section titled
  "Call arguments" (griffe's "Other parameters" kind, whose entries are not
  checked against the constructor's signature).
- `Example:` and `Reference:` (or their plurals), whose content in this code
  base starts at the title's indentation (a code fence, a `- [paper](url)`
  list), get that content indented so that griffe reads it as a titled block
  instead of running the list into the paragraph above.
"""

import re

import griffe

_TITLE = re.compile(r"^(?P<indent> *)(?P<title>[A-Z][A-Za-z ]*):\s*$")
_BLOCK_TITLES = {"Example", "Examples", "Reference", "References"}


def _is_title(line):
    match = _TITLE.match(line)
    return match is not None and match["indent"] == ""


def rewrite(text):
    """Return the docstring `text` with Keras' sections in griffe's terms."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _TITLE.match(line)
        if match is None or match["indent"]:
            out.append(line)
            i += 1
            continue
        title = match["title"]
        if title == "Call arguments":
            out.append("Other parameters: Call arguments")
            i += 1
            continue
        if title not in _BLOCK_TITLES:
            out.append(line)
            i += 1
            continue
        # Find the block: from the first non-blank line after the title to
        # the next section title (or the end), fenced code kept whole.
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and lines[j].startswith(" "):
            # Already indented: griffe reads it as it is.
            out.append(line)
            i += 1
            continue
        block = []
        in_fence = False
        while j < len(lines):
            current = lines[j]
            if current.lstrip().startswith("```"):
                in_fence = not in_fence
            elif not in_fence and _is_title(current):
                break
            block.append(current)
            j += 1
        while block and not block[-1].strip():
            block.pop()
        if title == "Examples":
            # An "Examples" section of griffe's own kind keeps its title.
            out.append("Examples:")
        else:
            # Any other title: an admonition of that kind ("example" is
            # styled by the Material theme; "reference" as a note).
            out.append(f"{title}:")
        out.extend(("    " + b) if b.strip() else "" for b in block)
        out.append("")
        i = j
    return "\n".join(out)


class KerasDocstrings(griffe.Extension):
    """Rewrite Keras' docstring sections of every object as it is loaded."""

    def on_instance(self, *, obj, **kwargs):
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and docstring.value:
            docstring.value = rewrite(docstring.value)
