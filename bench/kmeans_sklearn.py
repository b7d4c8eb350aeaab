#!/usr/bin/python3
"""kmeans_sklearn.py: scikit-learn's k-means on the sample bovw clustered.

    /usr/bin/python3 bench/kmeans_sklearn.py SAMPLE.npy K ITERATIONS THREADS
    /usr/bin/python3 bench/kmeans_sklearn.py --energy SAMPLE.npy CENTERS.npy

SAMPLE.npy is the sample.npy that `bovw codebook --keep-sample` writes, so
both libraries cluster exactly the same descriptors. Runs KMeans (lloyd and
elkan: scikit-learn's exact algorithms) and MiniBatchKMeans with k-means++
initialisation, one initialisation, at most ITERATIONS iterations and tol=0
(so it does not stop earlier than bovw's 50-iteration runs would), with
THREADS threads (threadpoolctl limits OpenMP and BLAS). Prints one line per
algorithm: name, seconds (fit only), energy (the sum of squared distances of
the sample to its nearest centre, recomputed the same way for every
algorithm), iterations.

Run it with the same OPENBLAS_CORETYPE that bovw uses (bench/codebook.sh
does): NumPy and SciPy load Debian's OpenBLAS too, and on CPUs it does not
recognise it falls back to slow generic kernels.
"""
import sys
import time

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from threadpoolctl import threadpool_limits


def energy(x, centers):
    """Sum over rows of the squared distance to the nearest centre."""
    x = x.astype(np.float64)
    c = centers.astype(np.float64)
    cn = (c * c).sum(1)
    total = 0.0
    for i in range(0, len(x), 8192):
        b = x[i:i + 8192]
        d = (b * b).sum(1)[:, None] - 2 * b @ c.T + cn[None, :]
        total += np.maximum(d.min(1), 0).sum()
    return total


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--energy":
        # The same energy formula for bovw's centres as for scikit-learn's.
        print(f"{energy(np.load(sys.argv[2]), np.load(sys.argv[3])):.6g}")
        return
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    x = np.load(sys.argv[1]).astype(np.float32)
    k, iterations, threads = (int(a) for a in sys.argv[2:5])
    runs = [
        ("sklearn-lloyd", KMeans(k, init="k-means++", n_init=1, max_iter=iterations,
                                 tol=0, algorithm="lloyd", random_state=0)),
        ("sklearn-elkan", KMeans(k, init="k-means++", n_init=1, max_iter=iterations,
                                 tol=0, algorithm="elkan", random_state=0)),
        ("sklearn-minibatch", MiniBatchKMeans(k, init="k-means++", n_init=1,
                                              max_iter=iterations, batch_size=4096,
                                              random_state=0)),
    ]
    with threadpool_limits(limits=threads):
        for name, model in runs:
            t0 = time.perf_counter()
            model.fit(x)
            seconds = time.perf_counter() - t0
            print(f"{name} seconds {seconds:.2f} energy {energy(x, model.cluster_centers_):.6g} "
                  f"iterations {model.n_iter_}", flush=True)


if __name__ == "__main__":
    main()
