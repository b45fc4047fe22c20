#!/usr/bin/env python3
"""PyTorch twin of `deepsweep train` for the MNIST labs: same data files,
architecture, init, Adam settings, batch and epochs, so accuracy and speed can
be compared with deepsweep on the same machine.

  /usr/bin/python3 scripts/pytorch_baseline.py --hidden 256,256 --init xavier_uniform \
      --bias-init normal --epochs 15 --seed 1 --threads 1

Speed: torch.set_num_threads does not set OpenBLAS's own thread count (the
layers of Debian's python3-torch run on OpenBLAS): run with
OPENBLAS_NUM_THREADS=N. Which kernels OpenBLAS runs depends on
OPENBLAS_CORETYPE: unset, OpenBLAS detects the CPU; some machines export
OPENBLAS_CORETYPE=Haswell, which runs AVX2 kernels on an AVX-512 CPU (1.3-1.5x
slower there). For a fair baseline run it unset and with each named core type
(Haswell, Zen, SkylakeX) and keep the best: scripts/bench_epoch.sh does that.
The first line says which core OpenBLAS ran. Seconds per epoch count the
training loop only, as deepsweep's do.
"""
import argparse
import os
import struct
import sys
import time

import numpy as np
import torch


def read_idx(path):
    import gzip
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    if not os.path.exists(path):
        sys.exit(f"pytorch_baseline: {path}: not found (run 'make data')")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 8:
        sys.exit(f"pytorch_baseline: {path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if arr.size != int(np.prod(dims)):
        sys.exit(f"pytorch_baseline: {path}: size does not match its header")
    return arr.reshape(dims)


def load(data_dir):
    def images(name):
        x = read_idx(os.path.join(data_dir, name)).reshape(-1, 784)
        return torch.from_numpy(x.astype(np.float32) / 255.0)

    def labels(name):
        return torch.from_numpy(read_idx(os.path.join(data_dir, name)).astype(np.int64))

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


def openblas_core():
    """The core type the OpenBLAS that torch loaded runs (its own detection, or
    OPENBLAS_CORETYPE), or '?' when torch runs another BLAS."""
    import ctypes
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({l.split()[-1] for l in f if "openblas" in l.lower() and "/" in l})
    except OSError:
        return "?"
    for path in paths:
        try:
            fn = ctypes.CDLL(path).openblas_get_corename
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_char_p
        return fn().decode()
    return "?"


def build(widths, init, bias_init, dropout):
    layers = []
    for i in range(len(widths) - 1):
        lin = torch.nn.Linear(widths[i], widths[i + 1])
        w = lin.weight  # [out, in]: PyTorch's layout, the transpose of deepsweep's
        if init == "normal":
            torch.nn.init.normal_(w, 0.0, 1.0)
        elif init == "xavier_uniform":
            torch.nn.init.xavier_uniform_(w)
        elif init == "xavier_normal":
            torch.nn.init.xavier_normal_(w)
        elif init == "he_normal":
            torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
        elif init == "he_uniform":
            torch.nn.init.kaiming_uniform_(w, nonlinearity="relu")
        else:
            sys.exit(f"pytorch_baseline: --init {init}: unknown (valid: normal, xavier_uniform, "
                     "xavier_normal, he_normal, he_uniform)")
        if bias_init == "normal":
            torch.nn.init.normal_(lin.bias, 0.0, 1.0)
        else:
            torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
            if dropout > 0:
                layers.append(torch.nn.Dropout(dropout))
    return torch.nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default="data/mnist")
    ap.add_argument("--hidden", default="none", help="e.g. 256,256; 'none' = softmax regression")
    ap.add_argument("--init", default="normal")
    ap.add_argument("--bias-init", default="zeros", choices=["zeros", "normal"])
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-subset", type=int, default=0)
    ap.add_argument("--no-eval", action="store_true", help="skip the per-epoch test pass")
    a = ap.parse_args()
    if not 0 <= a.dropout < 1 or a.lr <= 0 or a.batch <= 0 or a.epochs < 1:
        sys.exit("pytorch_baseline: out of range (0 <= dropout < 1, lr > 0, batch >= 1, epochs >= 1)")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr, ytr, xte, yte = load(a.data_dir)
    if a.train_subset:
        xtr, ytr = xtr[:a.train_subset], ytr[:a.train_subset]
    hidden = [] if a.hidden in ("none", "") else [int(w) for w in a.hidden.split(",")]
    widths = [784] + hidden + [10]
    model = build(widths, a.init, a.bias_init, a.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    lossf = torch.nn.CrossEntropyLoss()
    nparams = sum(p.numel() for p in model.parameters())
    print(f"pytorch {torch.__version__}: {'-'.join(map(str, widths))} relu, {nparams} parameters, "
          f"torch threads {torch.get_num_threads()}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', '-')}, OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, openblas core {openblas_core()}",
          flush=True)
    n = xtr.shape[0]
    train_s = 0.0
    acc = 0.0
    for epoch in range(1, a.epochs + 1):
        model.train()
        perm = torch.randperm(n)
        t0 = time.perf_counter()
        total, correct = 0.0, 0
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = xtr[idx], ytr[idx]
            out = model(xb)
            loss = lossf(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
            correct += (out.argmax(1) == yb).sum().item()
        dt = time.perf_counter() - t0
        train_s += dt
        if not a.no_eval or epoch == a.epochs:
            model.eval()
            with torch.no_grad():
                acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f"Epoch: {epoch:04d} cost = {total / n:.9f} train_acc = {correct / n:.4f} "
              f"test_acc = {acc:.4f} time = {dt:.2f}s", flush=True)
    print(f"Learning finished: {train_s / a.epochs:.3f} s/epoch, {n * a.epochs / train_s:.0f} samples/s")
    print(f"Accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
