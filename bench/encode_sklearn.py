#!/usr/bin/python3
"""encode_sklearn.py: the peer of `bovw encode`'s histograms, in scikit-learn.

    /usr/bin/python3 bench/encode_sklearn.py FEATURES_DIR CENTERS.npy THREADS
        [--pyramid 2x2,4x4] [--limit N] [--check ENCODINGS.npy]

For each image of a bovw features folder (read through mmap, as bovw does):
the descriptors that vote (contrast at least the extraction's threshold, the
rule bovw applies), as float32; their nearest centre with scikit-learn's
KMeans.predict (a KMeans whose cluster_centers_ are the codebook's, so no
fitting is timed); then one SciPy sparse matrix per pyramid level counting
(cell, word) pairs, each level L1-normalised, the whole vector L1-normalised,
and scikit-learn's AdditiveChi2Sampler (sample_steps=2: three values per
value, like VLFeat's order-1 chi2 map) for the kernel map. THREADS limits
OpenMP and BLAS through threadpoolctl.

Prints: images, seconds in total, seconds in predict, seconds in the rest.
--check compares the histograms (before the kernel map) with bovw's
encodings made with `--kernel-map none` and prints the largest absolute
difference, to show both compute the same vectors.

Run with the OPENBLAS_CORETYPE that bovw picks (bench/encode.sh does).
"""
import argparse
import json
import os
import time

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.kernel_approximation import AdditiveChi2Sampler
from threadpoolctl import threadpool_limits


def levels_of(spec):
    return [tuple(int(v) for v in cell.split("x")) for cell in spec.split(",")]


def cells_of(frames, width, height, nx, ny):
    """The cell index of each keypoint, with bovw's rule (floor, clamped)."""
    cx = np.clip(np.floor(frames[:, 0] / width * nx).astype(np.int64), 0, nx - 1)
    cy = np.clip(np.floor(frames[:, 1] / height * ny).astype(np.int64), 0, ny - 1)
    return cy * nx + cx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("features")
    ap.add_argument("centers")
    ap.add_argument("threads", type=int)
    ap.add_argument("--pyramid", default="2x2,4x4")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--check")
    a = ap.parse_args()

    f = a.features
    desc = np.load(os.path.join(f, "descriptors.npy"), mmap_mode="r")
    frames = np.load(os.path.join(f, "frames.npy"), mmap_mode="r")
    offsets = np.load(os.path.join(f, "offsets.npy"))
    sizes = np.load(os.path.join(f, "image_size.npy"))
    meta = json.load(open(os.path.join(f, "meta.json")))
    thr = meta["params"]["contrast_threshold"] if "params" in meta else meta["contrast_threshold"]
    centers = np.load(a.centers).astype(np.float32)
    k = len(centers)
    levels = levels_of(a.pyramid)
    dim = sum(nx * ny for nx, ny in levels) * k

    km = KMeans(n_clusters=k, n_init=1)
    km.cluster_centers_ = centers
    km.n_features_in_ = centers.shape[1]
    km._n_threads = a.threads
    chi2 = AdditiveChi2Sampler(sample_steps=2)

    m = len(offsets) - 1 if not a.limit else min(a.limit, len(offsets) - 1)
    out = np.zeros((m, dim), np.float32)
    t_predict = 0.0
    t0 = time.perf_counter()
    with threadpool_limits(limits=a.threads):
        for i in range(m):
            lo, hi = offsets[i], offsets[i + 1]
            fr = np.asarray(frames[lo:hi])
            keep = fr[:, 3] >= thr
            x = np.asarray(desc[lo:hi])[keep].astype(np.float32)
            fr = fr[keep]
            tp = time.perf_counter()
            words = km.predict(x) if len(x) else np.zeros(0, np.int64)
            t_predict += time.perf_counter() - tp
            w, h = sizes[i]
            base = 0
            for nx, ny in levels:
                cells = cells_of(fr, w, h, nx, ny)
                hist = sp.coo_matrix((np.ones(len(words), np.float32), (cells, words)),
                                     shape=(nx * ny, k)).toarray().ravel()
                s = hist.sum()
                if s > 0:
                    hist /= s
                out[i, base:base + nx * ny * k] = hist
                base += nx * ny * k
            s = out[i].sum()
            if s > 0:
                out[i] /= s
        mapped = chi2.fit_transform(out)
    total = time.perf_counter() - t0
    print(f"{m} {total:.3f} {t_predict:.3f} {total - t_predict:.3f}")
    if a.check:
        ref = np.load(a.check, mmap_mode="r")[:m]
        print(f"largest difference from bovw: {np.abs(ref - out).max():.3g}")
    del mapped


if __name__ == "__main__":
    main()
