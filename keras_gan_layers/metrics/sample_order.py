"""A canonical order of samples, so that metrics that split or subsample
them do not depend on the order in which the samples arrive."""

import numpy as np


def canonical_order(x):
    """Indices that sort the rows of the 2-D array `x` lexicographically.

    Column 0 decides first, then column 1, and so on (the order of
    `np.lexsort(x.T[::-1])`). Rows that compare equal are identical samples,
    so any permutation of `x` sorted this way gives the same array: a metric
    that draws its splits or subsets from `x[canonical_order(x)]` depends on
    the set of samples only. Sorts the rows as structured records, which is
    fast even for thousands of columns (comparisons stop at the first
    column that differs).
    """
    x = np.ascontiguousarray(x)
    records = x.view(np.dtype([(f"f{i}", x.dtype) for i in range(x.shape[1])]))
    return np.argsort(records.ravel(), kind="stable")
