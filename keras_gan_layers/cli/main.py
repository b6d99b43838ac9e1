"""Entry point of the `keras-gan` console script."""

import os
import sys

from keras_gan_layers.cli import evaluate, sample, train, translate, tune
from keras_gan_layers.cli.common import OneLineParser, UsageError

SUBCOMMANDS = {
    "train": train,
    "sample": sample,
    "translate": translate,
    "evaluate": evaluate,
    "tune": tune,
}


def build_parser():
    parser = OneLineParser(
        prog="keras-gan",
        description="Train GANs with Keras, sample from them and translate images.",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="{" + ",".join(SUBCOMMANDS) + "}"
    )
    sub.required = True
    for name, module in SUBCOMMANDS.items():
        module.add_parser(sub, name)
    return parser


def main(argv=None):
    """Run `keras-gan` with `argv` (default: `sys.argv[1:]`); return the exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # hides grappler noise
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return SUBCOMMANDS[args.command].run(args) or 0
    except UsageError as e:
        print(f"keras-gan {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
