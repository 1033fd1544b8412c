#!/usr/bin/python3
"""Compares two talentsim result files: every dataset byte for byte and every root attribute.

Usage: compare_results.py A.h5 B.h5
Prints each difference and exits 1 if there is one, 0 if the files hold the same results.
"""
import sys

import h5py
import numpy as np


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def bytes_of(array):
    return np.ascontiguousarray(array).tobytes()


def main(a_path, b_path):
    differences = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        da, db = datasets(a), datasets(b)
        if sorted(da) != sorted(db):
            differences.append(f"dataset lists differ: {sorted(set(da) ^ set(db))}")
        for name in sorted(set(da) & set(db)):
            x, y = da[name], db[name]
            if x.dtype != y.dtype or x.shape != y.shape:
                differences.append(f"/{name}: {x.dtype} {x.shape} vs {y.dtype} {y.shape}")
                continue
            xa, ya = x[()], y[()]
            if x.dtype.kind == "O":
                same = list(xa) == list(ya)
            elif x.dtype.names:  # field by field: padding bytes between fields carry no data
                same = all(bytes_of(xa[f]) == bytes_of(ya[f]) for f in x.dtype.names)
            else:
                same = bytes_of(xa) == bytes_of(ya)
            if not same:
                differences.append(f"/{name}: contents differ")
        for key in sorted(set(a.attrs) | set(b.attrs)):
            if key not in a.attrs or key not in b.attrs:
                differences.append(f"root attribute {key} missing in one file")
            elif not np.array_equal(np.asarray(a.attrs[key]), np.asarray(b.attrs[key])):
                differences.append(f"root attribute {key}: {a.attrs[key]!r} vs {b.attrs[key]!r}")
        count = len(da)
    for d in differences:
        print(d)
    if not differences:
        print(f"identical: {count} datasets and all root attributes")
    return 1 if differences else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
