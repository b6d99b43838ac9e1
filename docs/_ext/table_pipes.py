"""MkDocs hook: GitHub's escaped pipes inside code spans of table rows.

The pages are written for GitHub too, where a `|` inside a code span in a
table must be escaped as `\\|` (GitHub drops the backslash). Python-Markdown
keeps the backslash inside code spans, and needs no escape there (it does
not split a row at a pipe inside a code span). This hook drops the backslash
in code spans of table rows, so both renderers show `a|b`.
"""

import re

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def unescape_table_code_pipes(markdown):
    out = []
    in_fence = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.lstrip().startswith("|") and "\\|" in line:
            line = _CODE_SPAN.sub(
                lambda m: m[1] + m[2].replace("\\|", "|") + m[1], line
            )
        out.append(line)
    return "\n".join(out)


def on_page_markdown(markdown, **kwargs):
    return unescape_table_code_pipes(markdown)
