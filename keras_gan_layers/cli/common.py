"""Shared pieces of the `keras-gan` subcommands."""

import argparse
import os
import sys


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, exit status 2."""

    def error(self, message):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive_float(text):
    value = non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be > 0, got 0")
    return value


def writable_directory(path):
    """Create `path` if needed and prove it is writable, or raise UsageError."""
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".keras-gan-write-test")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as e:
        raise UsageError(
            f"output directory {path!r} is not writable ({e.strerror or e})"
        ) from None
    return path


def writable_file(path):
    parent = os.path.dirname(os.path.abspath(path))
    writable_directory(parent)
    return path
