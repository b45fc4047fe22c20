#!/usr/bin/env python3
"""Prints a results CSV (runs.csv, epochs.csv, layers.csv) without the
columns that may differ between two runs of one config, rows sorted: what
the shard, resume and Slurm tests compare. The columns are found by name;
the list is runs.csv's provenance (ds_runs_col_provenance in
harness/results/sweep.c) plus epochs.csv's seconds.

    python3 tests/det-columns.py FILE
"""
import csv
import sys

NONDET = {"seconds", "samples_per_s", "sweep_id", "deepsweep_version", "commit", "host",
          "cpu", "threads", "started_at"}

with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
keep = [i for i, name in enumerate(rows[0]) if name not in NONDET]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow([rows[0][i] for i in keep])
for r in sorted(rows[1:]):
    w.writerow([r[i] for i in keep])
