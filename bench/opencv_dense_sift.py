#!/usr/bin/python3
"""opencv_dense_sift.py: the same dense multi-scale SIFT as `bovw extract`,
through OpenCV's SIFT compute(), to set bovw's speed against a library
everyone has.

    /usr/bin/python3 bench/opencv_dense_sift.py MANIFEST.tsv [--threads T]
        [--limit N] [--color gray|opponent] [--parallel images|internal]
        [--bovw FEATURES_DIR]

Run it with Debian's /usr/bin/python3 (python3-opencv, python3-numpy); it
uses nothing from pip.

What it does per image, mirroring bench/phow_bare.c and src/extract/phow.c:
  - cv2.imread (IMREAD_GRAYSCALE for gray, BGR for opponent), uint8;
  - shrink with cv2.resize(INTER_AREA) to the size bovw_image_fit_size gives
    (longer side 480, each side rounded to nearest in integers);
  - opponent: vl_phow's opponent space (mu = 0.3R+0.59G+0.11B,
    (R-G)/sqrt2 + 0.01mu, (R+G-2B)/sqrt6 + 0.01mu) in float32, then each
    channel mapped to uint8 by a FIXED affine map of its possible range
    ([0,1], [-1/sqrt2, 1/sqrt2+0.01], [-2/sqrt6, 2/sqrt6+0.01] to 0..255),
    not a per-image min-max: SIFT normalises away gain and offset anyway,
    and a fixed map costs less and depends on nothing but the pixel;
  - for each bin size s in 4,6,8,10: cv2.GaussianBlur with sigma s/6 (on the
    uint8 plane: OpenCV's SIFT only takes 8-bit images), then
    SIFT.compute() on every channel at the keypoints vl_dsift uses (below).

Keypoints. vl_dsift with bounds (off, off, w-1, h-1), off = floor(1 + 1.5
(10 - s)) - 1, puts centres at x = off + 1.5 s + k * step for k = 0, 1, ...
while x + 1.5 s <= w - 1 (the same for y); with s in 4..10 the first centre
is (15, 15) for every size. This was checked against frames.npy of a bovw
extract (same counts per image: pass --bovw FEATURES_DIR to compare).
KeyPoint size: OpenCV's descriptor bin is 3 * size / 2 pixels wide
(calcSIFTDescriptor: hist_width = SIFT_DESCR_SCL_FCTR * scl with
SIFT_DESCR_SCL_FCTR = 3, scl = size / 2), so a bin of s pixels (4 bins =
the 4s support, as in vl_dsift) needs size = 2s/3, NOT 4s: size 4s would
make bins 6s wide and each descriptor read ~36x more pixels. Angle 0
(upright, as dense SIFT is). Checked on a 145x144 Caltech image: with size
2s/3, OpenCV's descriptors correlate 0.98-0.99 (mean Pearson per keypoint,
sizes 4..10) with bovw's once OpenCV's orientation bins are mirrored
(o -> (8 - o) % 8: its y axis points up); with size 4s, 0.10-0.19.

What OpenCV does that bovw does not, and cannot be switched off through the
public API: compute() converts the image to float, blurs it to the SIFT
create-time sigma, and builds one octave of its Gaussian pyramid (nOctaveLayers
+ 3 images) on every call. We ask for the least of it: sigma 0.5 (= the
assumed camera blur, so the extra blur is ~0.1 px) and nOctaveLayers 1
(4 images), all keypoints in octave 0 layer 0. Its descriptors use a
Gaussian window and per-keypoint trilinear binning (no flat-window
shortcut), and come out as uint8 min(512 x, 255) rounded (descriptorType
CV_8U), as bovw's are truncated. No contrast threshold is applied.

Threads: --parallel images (default) runs a multiprocessing Pool of T
worker processes, each with cv2.setNumThreads(1), one image per task: the
same scheme as bovw (parallel over images, single-threaded kernels).
--parallel internal runs one process with cv2.setNumThreads(T) and lets
OpenCV parallelise inside compute() (its descriptor loop is a parallel_for_).
Measured on the 2-core machine (first 30 Caltech-101 rows, gray, machine
not quiet): 1 thread 1.14 images/s; 2 threads: images 2.00 images/s
(1.75x), internal 1.84 (1.61x), as the pyramid blurs, the resize and the
Python glue stay serial in internal mode. So images is the default, and it
is the same scheme as bovw's. The pool is started before the
clock; the clock covers the loop over images (reading files included, as
bovw extract reads them too).

Prints, like phow_bare:
    images N threads T seconds S images/s X descriptors/s Y
where a descriptor is one keypoint (a row of 128 or 3 x 128), then a line
with keypoints per image, compared with bovw's when --bovw is given.
"""
import argparse
import json
import math
import multiprocessing as mp
import os
import sys
import time

import cv2
import numpy as np

SIZES = (4, 6, 8, 10)
STEP = 3
MAX_SIDE = 480
MAGNIF = 6.0
OPP_RANGES = ((0.0, 1.0),
              (-1 / math.sqrt(2), 1 / math.sqrt(2) + 0.01),
              (-2 / math.sqrt(6), 2 / math.sqrt(6) + 0.01))


def read_manifest(path, limit):
    """Absolute image paths of the manifest (first `limit` if > 0)."""
    folder = os.path.dirname(os.path.abspath(path))
    root = folder
    meta = os.path.join(folder, "meta.json")
    if os.path.exists(meta):
        with open(meta) as f:
            root = json.load(f).get("root") or folder
    with open(path) as f:
        rows = [line.rstrip("\n").split("\t")[0] for line in f][1:]
    rows = [r for r in rows if r]
    if limit > 0:
        rows = rows[:limit]
    return [r if os.path.isabs(r) else os.path.join(root, r) for r in rows]


def fit_size(w, h, max_side=MAX_SIDE):
    """bovw_image_fit_size, shrinking only."""
    longer = max(w, h)
    if longer <= max_side:
        return w, h
    return (max(1, (w * max_side + longer // 2) // longer),
            max(1, (h * max_side + longer // 2) // longer))


def centres(n, s):
    """vl_dsift centres along an axis of n pixels for bin size s."""
    off = math.floor(1 + 1.5 * (max(SIZES) - s)) - 1
    first = off + 1.5 * s
    count = math.floor((n - 1 - 1.5 * s - first) / STEP) + 1
    return first + STEP * np.arange(max(count, 0))


_grids = {}


def grid(w, h):
    """Per size, the KeyPoints of a w x h image (cached per image size)."""
    key = (w, h)
    if key not in _grids:
        if len(_grids) > 64:
            _grids.clear()
        per_size = []
        for s in SIZES:
            xs, ys = centres(w, s), centres(h, s)
            size = 2.0 * s / 3.0
            per_size.append([cv2.KeyPoint(float(x), float(y), size, 0.0)
                             for y in ys for x in xs])
        _grids[key] = per_size
    return _grids[key]


def to_opponent_u8(bgr):
    """vl_phow's opponent channels as three uint8 planes (fixed affine map)."""
    f = bgr.astype(np.float32) * np.float32(1 / 255)
    b, g, r = f[:, :, 0], f[:, :, 1], f[:, :, 2]
    mu = 0.3 * r + 0.59 * g + 0.11 * b
    chans = (mu, (r - g) * (1 / math.sqrt(2)) + 0.01 * mu,
             (r + g - 2 * b) * (1 / math.sqrt(6)) + 0.01 * mu)
    out = []
    for c, (lo, hi) in zip(chans, OPP_RANGES):
        out.append(np.clip((c - lo) * (255 / (hi - lo)) + 0.5, 0, 255).astype(np.uint8))
    return out


_sift = None
_color = "gray"


def init_worker(color, threads):
    global _sift, _color
    cv2.setNumThreads(threads)
    _color = color
    _sift = cv2.SIFT_create(0, 1, 0.04, 10, 0.5, cv2.CV_8U)


def process(path):
    """Dense SIFT of one image; returns its keypoint count (-1: unreadable)."""
    flag = cv2.IMREAD_GRAYSCALE if _color == "gray" else cv2.IMREAD_COLOR
    img = cv2.imread(path, flag)
    if img is None:
        return -1
    h, w = img.shape[:2]
    fw, fh = fit_size(w, h)
    if (fw, fh) != (w, h):
        img = cv2.resize(img, (fw, fh), interpolation=cv2.INTER_AREA)
    planes = [img] if _color == "gray" else to_opponent_u8(img)
    count = 0
    for s, kps in zip(SIZES, grid(fw, fh)):
        if not kps:
            continue
        sigma = s / MAGNIF
        for p in planes:
            smoothed = cv2.GaussianBlur(p, (0, 0), sigma)
            _, desc = _sift.compute(smoothed, kps)
        count += desc.shape[0]
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("manifest")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--color", choices=("gray", "opponent"), default="gray")
    ap.add_argument("--parallel", choices=("images", "internal"), default="images")
    ap.add_argument("--bovw", metavar="FEATURES_DIR",
                    help="a bovw extract of the same manifest: compare counts")
    a = ap.parse_args()
    paths = read_manifest(a.manifest, a.limit)

    if a.parallel == "images" and a.threads > 1:
        pool = mp.get_context("fork").Pool(a.threads, init_worker, (a.color, 1))
        pool.map(abs, range(4 * a.threads))  # all workers up before the clock
        t0 = time.monotonic()
        counts = pool.map(process, paths, chunksize=1)
        dt = time.monotonic() - t0
        pool.close()
        pool.join()
    else:
        init_worker(a.color, a.threads if a.parallel == "internal" else 1)
        t0 = time.monotonic()
        counts = [process(p) for p in paths]
        dt = time.monotonic() - t0

    ok = [c for c in counts if c >= 0]
    for p, c in zip(paths, counts):
        if c < 0:
            print(f"opencv_dense_sift: cannot read {p}", file=sys.stderr)
    print(f"images {len(ok)} threads {a.threads} seconds {dt:.3f} "
          f"images/s {len(ok) / dt:.2f} descriptors/s {sum(ok) / dt:.0f}")

    line = f"keypoints/image {np.mean(ok) if ok else 0:.1f}"
    if a.bovw:
        offsets = np.load(os.path.join(a.bovw, "offsets.npy"))
        theirs = np.diff(offsets)[:len(counts)]
        same = int(np.sum(theirs == np.array(counts[:len(theirs)])))
        line += (f" (bovw {np.mean(theirs):.1f}; same count for {same} of "
                 f"{len(theirs)} images)")
    print(line)
    return 0 if len(ok) == len(paths) else 1


if __name__ == "__main__":
    sys.exit(main())
