#!/usr/bin/env python3
"""runs.csv and epochs.csv as a researcher's tools read them (Python's csv,
and pandas when installed): a tiny XOR sweep with one group that diverges.

- a diverged run's metrics are empty fields (missing: pandas reads NaN; a
  0.0 there would pull a plain mean down), with status=diverged and the
  epoch it diverged at;
- every resolved hyper-parameter has a column; provenance columns
  (sweep_id, deepsweep_version, commit, host, cpu, isa, threads,
  started_at in ISO 8601 UTC) are filled;
- `hidden` is text in every row, also for one hidden layer;
- accuracies are fractions in [0,1]; no column selects on test
  (best_test_acc is gone; best_epoch is chosen on validation).

    python3 tests/test_results_csv.py BIN
"""
import csv
import os
import re
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/deepsweep")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


with tempfile.TemporaryDirectory(prefix="ds-csv-") as t:
    with open(os.path.join(t, "c.yaml"), "w") as f:
        f.write("name: c\ndataset: xor\n"
                "base: {hidden: [4], loss: mse, optimizer: sgd, batch: 4, epochs: 30, log_every: 10}\n"
                "runs:\n  - {label: fine, lr: 0.5}\n  - {label: blowup, lr: 1e30, init_scale: 100}\n"
                "seeds: 2\n")
    out = os.path.join(t, "out")
    r = subprocess.run([BIN, "run", "c.yaml", "--out", out, "-q"], cwd=t, capture_output=True,
                       text=True)
    check(r.returncode == 0, f"run: exit {r.returncode}: {r.stderr}")
    with open(os.path.join(out, "runs.csv"), newline="") as f:
        runs = list(csv.DictReader(f))
    with open(os.path.join(out, "epochs.csv"), newline="") as f:
        epochs = list(csv.DictReader(f))
    with open(os.path.join(out, "config.yaml")) as f:
        sweep_id = re.search(r"^sweep_id: (\w+)$", f.read(), re.M).group(1)
    with open(os.path.join(ROOT, "VERSION")) as f:
        version = f.read().strip()

    cols = runs[0].keys() if runs else []
    metrics = ["train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
               "best_epoch", "best_val_acc", "test_acc_at_best", "train_loss_running",
               "train_acc_running"]
    for c in metrics + ["diverged_epoch", "status", "hidden", "val_split", "act_param",
                        "momentum", "nesterov", "beta1", "beta2", "eps", "init_scale",
                        "log_every", "weight_decay", "loss", "bias_init", "train_subset",
                        "sweep_id", "deepsweep_version", "commit", "host", "cpu", "isa",
                        "threads", "started_at"]:
        check(c in cols, f"runs.csv has no column {c}")
    check("best_test_acc" not in cols, "runs.csv still has best_test_acc (selected on test)")

    diverged = [r for r in runs if r["status"] == "diverged"]
    ok = [r for r in runs if r["status"] == "ok"]
    check(len(diverged) == 2 and len(ok) == 2,
          f"{len(diverged)} diverged and {len(ok)} ok runs, expected 2 and 2")
    for r in diverged:
        for c in metrics:
            check(r.get(c) == "", f"diverged run {r['run_id']}: {c} = {r.get(c)!r}, not empty")
        check(r.get("diverged_epoch", "").isdigit() and int(r["diverged_epoch"]) >= 1,
              f"diverged run {r['run_id']}: diverged_epoch = {r.get('diverged_epoch')!r}")
    for r in ok:
        for c in ["train_loss", "train_acc", "test_acc", "train_acc_running"]:
            check(number(r.get(c, "")), f"ok run: {c} = {r.get(c)!r} is not a number")
        for c in ["train_acc", "test_acc", "train_acc_running"]:
            check(number(r.get(c, "")) and 0 <= float(r[c]) <= 1,
                  f"ok run: {c} = {r.get(c)!r} is not a fraction")
        check(r.get("diverged_epoch") == "", "ok run with a diverged_epoch")
        # XOR holds out nothing (val_split 0): no validation, no best epoch
        check(r.get("val_split") == "0" and r.get("val_acc") == "" and r.get("best_epoch") == "",
              f"xor: val_split {r.get('val_split')!r}, val_acc {r.get('val_acc')!r}")
    for r in runs:
        check(not number(r.get("hidden", "")), f"hidden = {r.get('hidden')!r} reads as a number")
        check(r.get("hidden") == "[4]", f"hidden = {r.get('hidden')!r}, expected [4]")
        check(r.get("sweep_id") == sweep_id, f"sweep_id {r.get('sweep_id')!r} != {sweep_id}")
        check(r.get("deepsweep_version") == version, f"deepsweep_version {r.get('deepsweep_version')!r}")
        for c in ["commit", "host", "cpu", "isa"]:
            check(r.get(c, "") != "", f"{c} is empty")
        check(r.get("threads", "").isdigit() and int(r["threads"]) >= 1, f"threads {r.get('threads')!r}")
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.get("started_at", "")) is not None,
              f"started_at {r.get('started_at')!r} is not ISO 8601 UTC")
        check(r.get("act_param") == "0.01" and r.get("eps") == "1e-08",
              f"act_param {r.get('act_param')!r}, eps {r.get('eps')!r}")
    ecols = epochs[0].keys() if epochs else []
    for c in ["train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
              "train_loss_running", "train_acc_running"]:
        check(c in ecols, f"epochs.csv has no column {c}")
    for e in epochs:
        check(e.get("val_acc") == "", f"epochs.csv: xor has no validation, val_acc {e.get('val_acc')!r}")
        check(number(e.get("test_acc", "")), f"epochs.csv: test_acc {e.get('test_acc')!r}")

    try:
        import pandas as pd
    except ImportError:
        pd = None
    if pd is not None:
        df = pd.read_csv(os.path.join(out, "runs.csv"))
        check(df.loc[df.status == "diverged", "test_acc"].isna().all(),
              "pandas: a diverged run's test_acc is not NaN")
        check(df.hidden.dtype == object, f"pandas: hidden is {df.hidden.dtype}, not text")
        check(abs(df.test_acc.mean() - df.loc[df.status == "ok", "test_acc"].mean()) < 1e-12,
              "pandas: a plain mean differs from the mean of the ok runs")

if fails:
    for m in fails:
        print("FAIL:", m)
    sys.exit(1)
print(f"test_results_csv: PASS ({len(runs)} runs: 2 ok, 2 diverged with empty metrics)")
