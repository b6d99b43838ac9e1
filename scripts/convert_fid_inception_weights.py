"""Convert pytorch-fid's Inception weights (.pth) to a .npz that loads without torch.

    python scripts/convert_fid_inception_weights.py [INPUT.pth] [-o OUTPUT.npz]

Reads the state dict with `torch.load(..., weights_only=True)` and writes
every entry as a float32/int64 NumPy array under the same key, so that
`keras_gan_layers.metrics.load_fid_inception_weights(model, "OUTPUT.npz")`
(or `fid_inception_v3("pt_inception-2015-12-05")`, when the .npz lies next
to where the .pth would be in the Keras cache) works on machines without
torch. INPUT defaults to the file in the Keras cache
($KERAS_HOME/models, by default ~/.keras/models), OUTPUT to INPUT with the
extension .npz. Needs torch and numpy only; the .pth is pytorch-fid's
https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth
"""

import argparse
import os

import numpy as np

FILE_NAME = "pt_inception-2015-12-05-6726825d.pth"  # as in fid_inception.py


def default_input():
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    return os.path.join(os.path.expanduser(home), "models", FILE_NAME)


def convert(source, target):
    import torch

    state = torch.load(source, map_location="cpu", weights_only=True)
    arrays = {key: value.detach().cpu().numpy() for key, value in state.items()}
    np.savez(target, **arrays)
    return len(arrays)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Convert pytorch-fid's pt_inception-2015-12-05-6726825d.pth "
        "to a .npz with the same keys (for loading without torch)."
    )
    parser.add_argument(
        "input",
        nargs="?",
        default=default_input(),
        help="the .pth file (default: %(default)s)",
    )
    parser.add_argument(
        "-o", "--output", help="the .npz to write (default: INPUT with extension .npz)"
    )
    args = parser.parse_args(argv)
    if not os.path.isfile(args.input):
        parser.error(f"{args.input} does not exist")
    output = args.output or os.path.splitext(args.input)[0] + ".npz"
    count = convert(args.input, output)
    print(f"wrote {count} arrays to {output}")


if __name__ == "__main__":
    main()
