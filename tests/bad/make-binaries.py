#!/usr/bin/env python3
"""Writes the binary half of the bad-input corpus: IDX folders (idx/<case>/,
read by `train --dataset mnist --data-dir`) and safetensors files
(st/<case>.safetensors, read by `train --load`). The files are committed;
this script is how they were made (python3 tests/bad/make-binaries.py from
the repository root rewrites them identically). Each case's expected status
and message are in tests/bad/cases."""
import gzip, json, os, shutil, struct, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN_IMG, TRAIN_LAB = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_IMG, TEST_LAB = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"


def idx(dims, data, typ=8, magic=b"\0\0"):
    return magic + bytes([typ, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data


def gz(b):
    return gzip.compress(b, mtime=0)


def folder(case, files):
    d = os.path.join(HERE, "idx", case)
    os.makedirs(d, exist_ok=True)
    for name, content in files.items():
        if content is None:  # a directory where a file should be
            os.makedirs(os.path.join(d, name), exist_ok=True)
            open(os.path.join(d, name, ".keep"), "w").close()
        else:
            with open(os.path.join(d, name), "wb") as f:
                f.write(content)


IMG = idx([2, 2, 2], bytes(range(8)))  # two 2x2 images
LAB = idx([2], bytes([3, 7]))


def idx_cases():
    folder("wrong-magic", {TRAIN_IMG: idx([2, 2, 2], bytes(8), magic=b"\1\0")})
    folder("float-elements", {TRAIN_IMG: idx([2, 2, 2], bytes(32), typ=0x0D)})
    folder("rank-2-images", {TRAIN_IMG: idx([2, 4], bytes(8))})
    folder("header-cut", {TRAIN_IMG: IMG[:6]})
    folder("data-cut", {TRAIN_IMG: IMG[:-3]})
    folder("trailing-bytes", {TRAIN_IMG: IMG + b"junk"})
    folder("zero-dimension", {TRAIN_IMG: idx([0, 28, 28], b"")})
    folder("dims-overflow", {TRAIN_IMG: idx([65536, 65536, 2], b"")})
    folder("empty-file", {TRAIN_IMG: b""})
    folder("label-out-of-range", {TRAIN_IMG: IMG, TRAIN_LAB: idx([2], bytes([3, 10]))})
    folder("label-count", {TRAIN_IMG: IMG, TRAIN_LAB: idx([1], bytes([3]))})
    folder("labels-rank-3", {TRAIN_IMG: IMG, TRAIN_LAB: IMG})
    folder("test-features", {TRAIN_IMG: IMG, TRAIN_LAB: LAB,
                             TEST_IMG: idx([2, 1, 1], bytes(2)), TEST_LAB: LAB})
    folder("test-missing", {TRAIN_IMG: IMG, TRAIN_LAB: LAB})
    folder("directory", {TRAIN_IMG: None})
    g = gz(IMG)
    folder("gz-cut", {TRAIN_IMG + ".gz": g[: len(g) // 2]})
    folder("gz-trailing", {TRAIN_IMG + ".gz": g + b"junk"})
    folder("gz-trailing-zeros", {TRAIN_IMG + ".gz": g + bytes(16)})
    bad_crc = bytearray(g)
    bad_crc[-8] ^= 0xFF  # the CRC-32 of the trailer
    folder("gz-bad-crc", {TRAIN_IMG + ".gz": bytes(bad_crc)})
    bad_len = bytearray(g)
    bad_len[-4] ^= 0x01  # ISIZE of the trailer
    folder("gz-bad-length", {TRAIN_IMG + ".gz": bytes(bad_len)})
    folder("gz-magic-only", {TRAIN_IMG + ".gz": b"\x1f\x8b"})
    folder("gz-not-deflate", {TRAIN_IMG + ".gz": b"\x1f\x8b\x07\x00" + bytes(20)})
    folder("gz-of-garbage", {TRAIN_IMG + ".gz": gz(b"this is not an IDX file")})
    raw = zlib.compress(IMG)  # a zlib stream, not gzip
    folder("zlib-not-gzip", {TRAIN_IMG + ".gz": raw})


# ---- safetensors: a 2-3-1 net --------------------------------------------------

META = {"format": "deepsweep-mlp", "dims": "2,3,1", "activation": "relu", "loss": "sigmoid_bce"}
SHAPES = [("layers.0.weight", [2, 3]), ("layers.0.bias", [3]), ("layers.1.weight", [3, 1]),
          ("layers.1.bias", [1])]
DATA = struct.pack("<13f", *[0.25 * (i + 1) for i in range(13)])


def st(name, header=None, data=DATA, raw_header=None, hlen=None):
    if raw_header is None:
        if header is None:
            header = default_header()
        raw_header = json.dumps(header, separators=(",", ":")).encode()
    n = len(raw_header) if hlen is None else hlen
    d = os.path.join(HERE, "st")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", n) + raw_header + data)


def default_header(offsets=None, meta=None):
    h = {"__metadata__": dict(META, **(meta or {}))}
    off = 0
    for i, (k, shape) in enumerate(SHAPES):
        size = 4 * (shape[0] * (shape[1] if len(shape) > 1 else 1))
        o = offsets[i] if offsets else [off, off + size]
        h[k] = {"dtype": "F32", "shape": shape, "data_offsets": o}
        off += size
    return h


def st_cases():
    st("short", raw_header=b"", data=b"", hlen=None)
    with open(os.path.join(HERE, "st", "short.safetensors"), "wb") as f:
        f.write(b"\x05\0\0")
    st("header-length", raw_header=b"{}", data=b"", hlen=255)
    st("json-cut", raw_header=b'{"__metadata__":{"dims":"2,3,1"')
    st("no-dims", header={"__metadata__": {"format": "deepsweep-mlp"}})
    st("overlap", default_header([[0, 24], [0, 12], [24, 36], [36, 40]]), DATA[:40])
    st("gap", default_header([[0, 24], [28, 40], [40, 52], [52, 56]]), DATA + bytes(4))
    st("trailing-bytes", data=DATA + b"junk")
    h = default_header()
    h["layers.2.weight"] = {"dtype": "F32", "shape": [1, 1], "data_offsets": [52, 56]}
    st("extra-tensor", h, DATA + bytes(4))
    raw = json.dumps(default_header(), separators=(",", ":"))
    dup = raw[:-1] + ',"layers.1.bias":{"dtype":"F32","shape":[1],"data_offsets":[48,52]}}'
    st("duplicate-tensor", raw_header=dup.encode())
    st("nan-weight", data=DATA[:4] + struct.pack("<f", float("nan")) + DATA[8:])
    st("inf-bias", data=DATA[:48] + struct.pack("<f", float("-inf")))
    st("bad-u-escape", raw_header=raw.replace('"relu"', '"rel\\u00zz"').encode())
    h = default_header()
    h["layers.0.weight"]["dtype"] = "F16"
    st("dtype-f16", h)
    h = default_header()
    h["layers.0.weight"]["shape"] = [3, 2]
    st("wrong-shape", h)
    h = default_header()
    del h["layers.1.bias"]
    st("missing-tensor", h, DATA[:48])
    st("unknown-activation", default_header(meta={"activation": "swish"}))
    st("dims-signed", default_header(meta={"dims": "+2,3,1"}))
    st("act-param-hex", default_header(meta={"activation": "leaky_relu", "act_param": "0x1"}))
    st("act-param-range", default_header(meta={"activation": "elu", "act_param": "1e9"}))
    st("after-json", raw_header=(raw + "xyz").encode())
    mk = raw.replace('"dims":"2,3,1"', '"dims":"2,3,1","dims":"2,3,1"')
    st("metadata-key-twice", raw_header=mk.encode())
    st("control-character", raw_header=raw.replace('"relu"', '"re\x01lu"').encode())
    st("offsets-past-end", default_header([[0, 24], [24, 36], [36, 48], [48, 52]]), DATA[:50])
    st("negative-offset", raw_header=raw.replace("[48,52]", "[-4,52]").encode())
    long_act = default_header(meta={"activation": "r" * 5000})
    st("string-too-long", long_act)


if __name__ == "__main__":
    for sub in ("idx", "st"):
        shutil.rmtree(os.path.join(HERE, sub), ignore_errors=True)
    idx_cases()
    st_cases()
