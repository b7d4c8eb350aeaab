#!/usr/bin/python3
"""nn_torch.py: PyTorch's CPU time for the nets of models/, the peer of
`bovw nn train` (bench/nn.sh runs both).

    /usr/bin/python3 bench/nn_torch.py {cnn|mlp} EPOCHS THREADS [--idx DIR]
        [--batch 64] [--lr 0.05] [--seed 0]

Trains on Fashion-MNIST's 60,000 training images (read from the IDX files,
scaled to [0, 1], then standardised by the training set's mean and
deviation, as bovw does), with the settings `bovw nn train` uses by
default: mini-batches of 64 in a reshuffled order each epoch, SGD with
momentum 0.9, weight decay 5e-4 on conv and fc weights only (not biases nor
batch-norm parameters, as bovw), learning rate 0.05 on a cosine schedule
stepped once per epoch, no augmentation. The nets are those of
models/fmnist-cnn.cfg and models/mlp.cfg, with the same initialisation
rules (He for layers followed by ReLU, Xavier for the last).

Prints one line per epoch: epoch, training seconds, training images/s, test
accuracy; then inference images/s on the test set (batches of 256, eval
mode) and the number of threads PyTorch used.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(idx_dir, split):
    x = read_idx(os.path.join(idx_dir, f"{split}-images-idx3-ubyte.gz")).astype(np.float32) / 255
    y = read_idx(os.path.join(idx_dir, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    return x[:, None, :, :], y


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.BatchNorm1d(128), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(128, 10))


def mlp():
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def init(net):
    layers = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    for i, m in enumerate(layers):
        if i + 1 < len(layers):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        else:
            nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


def accuracy(net, x, y, batch=256):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (net(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("net", choices=["cnn", "mlp"])
    ap.add_argument("epochs", type=int)
    ap.add_argument("threads", type=int)
    ap.add_argument("--idx", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    xtr, ytr = load(a.idx, "train")
    xte, yte = load(a.idx, "t10k")
    mean, std = xtr.mean(), xtr.std()
    xtr = torch.from_numpy((xtr - mean) / std)
    xte = torch.from_numpy((xte - mean) / std)
    ytr, yte = torch.from_numpy(ytr), torch.from_numpy(yte)

    net = cnn() if a.net == "cnn" else mlp()
    init(net)
    decayed = [m.weight for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    ids = {id(p) for p in decayed}
    rest = [p for p in net.parameters() if id(p) not in ids]
    opt = torch.optim.SGD([{"params": decayed, "weight_decay": 5e-4},
                           {"params": rest, "weight_decay": 0}], lr=a.lr, momentum=0.9)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs)
    loss_fn = nn.CrossEntropyLoss()
    n = len(xtr)
    for epoch in range(1, a.epochs + 1):
        net.train()
        order = torch.randperm(n)
        t0 = time.perf_counter()
        for i in range(0, n, a.batch):
            idx = order[i:i + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - t0
        sched.step()
        print(f"epoch {epoch} {seconds:.2f} s {n / seconds:.0f} images/s "
              f"test {accuracy(net, xte, yte):.4f}", flush=True)
    t0 = time.perf_counter()
    accuracy(net, xte, yte)
    seconds = time.perf_counter() - t0
    print(f"inference {len(xte) / seconds:.0f} images/s threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
