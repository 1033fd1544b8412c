#!/usr/bin/python3
"""Exit 1 when any floating-point value in a talentsim result file is infinite or NaN.

Usage: check_finite.py FILE.h5   (prints each offending dataset/field and how many values)
The result-file format (docs/output.md) allows no infinite or NaN values anywhere.
"""
import sys

import h5py
import numpy as np


def main(path):
    bad = []

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset) or obj.size == 0:
            return
        data = obj[()]
        fields = data.dtype.names or [None]
        for f in fields:
            col = data[f] if f else data
            if col.dtype.kind == "f":
                n = int(np.count_nonzero(~np.isfinite(col)))
                if n:
                    bad.append(f"{name}{'.' + f if f else ''}: {n} non-finite values")

    with h5py.File(path, "r") as h:
        h.visititems(visit)
        for k, v in h.attrs.items():
            if isinstance(v, (float, np.floating)) and not np.isfinite(v):
                bad.append(f"attribute {k}: {v}")
    for b in bad:
        print(b)
    print(f"{path}: {'finite' if not bad else str(len(bad)) + ' fields with non-finite values'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
