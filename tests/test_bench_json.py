#!/usr/bin/env python3
"""`deepsweep bench`: output structure and bad input.

Runs a tiny profile (GEMM at the MLP shapes + softmax, one thread, 5 short
repetitions) and checks that kernels.json follows Google Benchmark's JSON
schema closely enough for its tools/compare.py (context keys; per-repetition
"iteration" rows and mean/median/stddev/cv "aggregate" rows per run_name),
that kernels.csv / raw.csv / machine.csv have their fixed columns and agree
with the JSON, and that bad input is refused with the documented exit codes.

usage: tests/test_bench_json.py build/deepsweep
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

DESIGN_COLS = "kernel,isa,threads,m,n,k,elems,reps,median_s,mad_s,min_s,gflops,gbps,pct_peak".split(",")
RAW_COLS = "kernel,isa,threads,m,n,k,elems,rep,iters,wall_s,cpu_s".split(",")
CONTEXT_KEYS = ["date", "host_name", "num_cpus", "mhz_per_cpu", "caches", "library_build_type"]
ROW_KEYS = ["name", "run_name", "run_type", "repetitions", "iterations", "real_time",
            "cpu_time", "time_unit"]
AGGREGATES = {"mean", "median", "stddev", "cv"}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(exe, args, env_extra=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([exe, "bench"] + args, capture_output=True, text=True, env=env,
                          timeout=600)


def isa_available(exe):
    out = subprocess.run([exe, "info"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("isa available"):
            return line.split()[2:]
    return ["scalar"]


def check_openblas_baselines(exe, have, tmp, build_type):
    """avx2 rows are set against the best AVX2 core type of OpenBLAS (Haswell,
    Zen), every other ISA's against the best of all; kernels.csv, kernels.json
    and the console name the core type beside each ratio."""
    vec = [i for i in have if i in ("avx2", "avx512")]
    if not vec or build_type == "sanitized":
        print(f"skip: OpenBLAS baselines (vector ISAs {vec}, build {build_type})")
        return
    out = os.path.join(tmp, "openblas")
    p = run(exe, ["--kernels", "gemm", "--shapes", "mlp", "--isa", ",".join(vec + ["openblas"]),
                  "--threads", "1", "--reps", "5", "--min-time", "0.002", "--quick",
                  "--out", out, "-q"], {"OPENBLAS_CORETYPE": "Haswell"})
    check(p.returncode == 0, f"OpenBLAS profile exits 0 ({p.returncode}: {p.stderr[-500:]})")
    if "OpenBLAS not available" in p.stdout:
        print("skip: OpenBLAS baselines (libopenblas not installed: scripts/install-deps.sh bench)")
        return
    with open(os.path.join(out, "machine.csv"), newline="") as f:
        mach = dict((r[0], r[1]) for r in list(csv.reader(f))[1:])
    core_of = {"any": mach.get("openblas_baseline", "").split(" (")[0],
               "avx2": mach.get("openblas_baseline_avx2", "").split(" (")[0]}
    check(core_of["avx2"].lower() in ("haswell", "zen") or "avx2" not in vec,
          f"the AVX2 baseline is Haswell or Zen ({mach.get('openblas_baseline_avx2')})")
    with open(os.path.join(out, "kernels.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    # the avx2 baseline's rows: openblas-avx2, or openblas when the best core type is an AVX2 one
    base_isa = {"avx2": "openblas-avx2" if any(r["isa"] == "openblas-avx2" for r in rows) else "openblas"}
    median = {(r["kernel"], r["isa"], r["threads"], r["m"], r["n"], r["k"]): float(r["median_s"])
              for r in rows}
    with open(os.path.join(out, "kernels.json")) as f:
        doc = json.load(f)
    agg = {r["run_name"]: r for r in doc["benchmarks"] if r.get("aggregate_name") == "median"}
    ours = [r for r in rows if r["kernel"].startswith("gemm_") and r["isa"] in vec]
    check(len(ours) == 15 * len(vec), f"15 GEMM rows per ISA ({len(ours)})")
    for r in ours:
        what = f"{r['kernel']}/{r['isa']}/{r['m']}x{r['n']}x{r['k']}"
        kind = "avx2" if r["isa"] == "avx2" else "any"
        check(r["vs_openblas_core"] == core_of[kind] != "",
              f"{what}: against {r['vs_openblas_core']!r}, the {kind} baseline is {core_of[kind]!r}")
        ob = median.get((r["kernel"], base_isa.get(r["isa"], "openblas"), r["threads"], r["m"], r["n"], r["k"]))
        ratio = float(r["vs_openblas"]) if r["vs_openblas"] else float("nan")
        check(ob is not None and abs(ratio - ob / float(r["median_s"])) <= 1e-6 * ratio,
              f"{what}: vs_openblas {ratio} = that baseline's median / ours")
        j = agg.get(f"{r['kernel']}/{r['isa']}/m:{r['m']}/n:{r['n']}/k:{r['k']}/threads:{r['threads']}", {})
        check(j.get("vs_openblas_core") == r["vs_openblas_core"] and
              abs(j.get("vs_openblas", 0) - ratio) <= 1e-6 * ratio, f"{what}: kernels.json agrees ({j})")
    # the console's GEMM table: kernel shape isa thr median unit MAD GFLOP/s %peak ratio core cv
    table = p.stdout.split("\n== GEMM", 1)[-1].split("\n== ", 1)[0].splitlines()
    lines = [l.split() for l in table if l.startswith("gemm_") and l.split()[2] in vec]
    check(len(lines) == len(ours) and all(
        l[9].endswith("x") and l[10] == core_of["avx2" if l[2] == "avx2" else "any"]
        for l in lines), f"console: each ratio followed by its core type ({lines[:2]})")


def main():
    exe = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/deepsweep")
    have = isa_available(exe)
    best = have[-1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "nested", "bench")  # created by bench (mkdir -p)
        p = run(exe, ["--kernels", "gemm,softmax", "--shapes", "mlp", "--isa", best,
                      "--threads", "1", "--reps", "5", "--min-time", "0.002", "--quick",
                      "--format", "json", "--out", out, "-q"])
        check(p.returncode == 0, f"tiny profile exits 0 (got {p.returncode}: {p.stderr[-500:]})")
        if p.returncode != 0:
            return
        doc = json.loads(p.stdout)  # stdout is the JSON document itself
        with open(os.path.join(out, "kernels.json")) as f:
            check(json.load(f) == doc, "kernels.json equals the JSON on stdout")

        ctx = doc.get("context", {})
        for k in CONTEXT_KEYS:
            check(k in ctx, f"context has {k}")
        check(isinstance(ctx.get("num_cpus"), int) and ctx["num_cpus"] >= 1, "num_cpus >= 1")
        check(isinstance(ctx.get("caches"), list) and all(
            {"type", "level", "size", "num_sharing"} <= set(c) for c in ctx["caches"]),
            "caches entries have type/level/size/num_sharing")
        check(ctx.get("library_build_type") in ("release", "debug", "release+asserts", "sanitized"),
              "library_build_type is a known value")

        rows = doc.get("benchmarks", [])
        check(len(rows) > 0, "benchmarks[] not empty")
        runs = {}
        for r in rows:
            for k in ROW_KEYS:
                check(k in r, f"{r.get('name')}: has {k}")
            check(r.get("time_unit") == "ns", f"{r.get('name')}: time_unit ns")
            runs.setdefault(r["run_name"], []).append(r)
        # 5 GEMM forms x 3 = 15 GEMM shapes + 2 softmax shapes, plus baselines
        gemm_runs = [n for n in runs if n.startswith("gemm_")]
        check(len(gemm_runs) == 15, f"15 GEMM runs (got {len(gemm_runs)})")
        check(any(n.startswith("softmax_xent/") for n in runs), "softmax rows present")
        check(any(n.startswith("fma_peak/") for n in runs), "FMA peak baseline present")
        check(any(n.startswith("copy/") for n in runs), "copy baseline present")
        for name, rs in runs.items():
            it = [r for r in rs if r["run_type"] == "iteration"]
            ag = {r.get("aggregate_name"): r for r in rs if r["run_type"] == "aggregate"}
            check(len(it) == it[0]["repetitions"] if it else False,
                  f"{name}: one iteration row per repetition")
            check(len(it) >= 5, f"{name}: >= 5 repetitions")
            check(len({r["iterations"] for r in it}) == 1, f"{name}: same iteration count in every repetition")
            check(all(r["real_time"] > 0 and r["cpu_time"] > 0 for r in it), f"{name}: positive times")
            check(set(ag) == AGGREGATES, f"{name}: aggregates {sorted(ag)}")
            for a in ("mean", "median", "stddev", "cv"):
                check(ag.get(a, {}).get("name") == f"{name}_{a}", f"{name}: aggregate name {name}_{a}")
            if "median" in ag and it:
                times = sorted(r["real_time"] for r in it)
                n = len(times)
                med = times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
                check(abs(ag["median"]["real_time"] - med) <= 1e-6 * med,
                      f"{name}: median aggregate {ag['median']['real_time']} = median of repetitions {med}")
            if "cv" in ag:
                check(ag["cv"].get("aggregate_unit") == "percentage", f"{name}: cv unit percentage")

        with open(os.path.join(out, "kernels.csv"), newline="") as f:
            rd = csv.reader(f)
            header = next(rd)
            body = list(rd)
        check(header[:len(DESIGN_COLS)] == DESIGN_COLS, f"kernels.csv starts with DESIGN.md columns: {header}")
        check(len(body) == len(runs), f"one kernels.csv row per run ({len(body)} vs {len(runs)})")
        check(all(len(r) == len(header) for r in body), "every kernels.csv row has the header's field count")
        col = {c: i for i, c in enumerate(header)}
        for r in body:
            if r[col["kernel"]].startswith("gemm_"):
                check(r[col["gflops"]] != "" and float(r[col["gflops"]]) > 0, f"{r[:6]}: gflops > 0")
                check(r[col["pct_peak"]] != "", f"{r[:6]}: pct_peak present")
                check(r[col["checksum"]] != "", f"{r[:6]}: checksum present")
        with open(os.path.join(out, "raw.csv"), newline="") as f:
            raw = list(csv.reader(f))
        check(raw[0] == RAW_COLS, f"raw.csv columns {raw[0]}")
        check(len(raw) - 1 == sum(int(r[col["reps"]]) for r in body), "raw.csv: one row per repetition")
        with open(os.path.join(out, "machine.csv"), newline="") as f:
            mach = dict((r[0], r[1]) for r in list(csv.reader(f))[1:])
        for k in ("cpu_model", "cores", "pus", "l1d_bytes", "timer_resolution_s", "isa_best"):
            check(k in mach, f"machine.csv has {k}")
        check(not [n for n in os.listdir(out) if ".tmp" in n or n.startswith(".write-test")],
              "no temporary files left behind")

        check_openblas_baselines(exe, have, tmp, ctx.get("library_build_type"))

        # ---- bad input ----------------------------------------------------
        p = run(exe, ["--kernels", "gemm,bogus", "--out", out])
        check(p.returncode == 2 and "unknown kernel 'bogus'" in p.stderr and
              "valid: gemm, act, softmax, dropout, step" in p.stderr,
              f"unknown kernel -> exit 2 listing valid names ({p.returncode}: {p.stderr.strip()})")
        p = run(exe, ["--isa", "sse9", "--out", out])
        check(p.returncode == 2 and "unknown ISA 'sse9'" in p.stderr and "openblas" in p.stderr,
              f"unknown ISA -> exit 2 listing valid names ({p.returncode}: {p.stderr.strip()})")
        p = run(exe, ["--shapes", "cube", "--out", out])
        check(p.returncode == 2 and "valid: mlp, square" in p.stderr, f"unknown shape -> exit 2 ({p.stderr.strip()})")
        p = run(exe, ["--threads", "0", "--out", out])
        check(p.returncode == 2 and "--threads: 0 is out of range" in p.stderr and "1 <= threads <=" in p.stderr,
              f"--threads 0 -> exit 2 naming the option and the range ({p.stderr.strip()})")
        p = run(exe, ["--threads", "100000", "--out", out])
        check(p.returncode == 2, f"--threads 100000 -> exit 2 ({p.stderr.strip()})")
        p = run(exe, ["--format", "xml", "--out", out])
        check(p.returncode == 2 and "valid: console, csv, json" in p.stderr, "unknown format -> exit 2")
        blocker = os.path.join(tmp, "a-file")
        open(blocker, "w").close()
        p = run(exe, ["--kernels", "softmax", "--out", os.path.join(blocker, "sub"), "-q"])
        check(p.returncode == 1 and "cannot create folder" in p.stderr,
              f"unwritable output folder -> exit 1 ({p.returncode}: {p.stderr.strip()})")
        bad_yaml = os.path.join(tmp, "bad.yaml")
        with open(bad_yaml, "w") as f:
            f.write("kernels: [gemm]\nreps: 2\n")
        p = run(exe, [bad_yaml, "--out", out])
        check(p.returncode == 2 and f"{bad_yaml}:2:1: reps" in p.stderr,
              f"profile error names file:line:col ({p.stderr.strip()})")
        typo_yaml = os.path.join(tmp, "typo.yaml")
        with open(typo_yaml, "w") as f:
            f.write("kernels: [gemm]\nkernals: [act]\n")
        p = run(exe, [typo_yaml, "--out", out])
        check(p.returncode == 2 and f"{typo_yaml}:2:1: unknown key 'kernals'" in p.stderr and
              "did you mean 'kernels'" in p.stderr, f"profile key typo -> suggestion ({p.stderr.strip()})")
        p = run(exe, ["--kernels=gemm,bogus", "--out", out])  # GNU --opt=value (getopt_long)
        check(p.returncode == 2 and "--kernels: unknown kernel 'bogus'" in p.stderr,
              f"--kernels=VALUE form is parsed ({p.returncode}: {p.stderr.strip()})")
        # --isa vector: every SIMD ISA here (the scalar one only without any).
        p = run(exe, ["--kernels", "softmax", "--isa", "vector", "--threads", "1", "--reps", "5",
                      "--min-time", "0.001", "--quick", "--format", "csv", "--out", out, "-q"])
        got = {r[1] for r in list(csv.reader(p.stdout.splitlines()))[1:] if r[0] == "softmax_xent"}
        want = {i for i in have if i != "scalar"} or {"scalar"}
        check(p.returncode == 0 and got == want, f"--isa vector measures {sorted(want)} (got {sorted(got)})")
        # OpenBLAS absent: one note, not a failure.
        p = run(exe, ["--kernels", "gemm", "--shapes", "square", "--square", "64", "--isa", "openblas",
                      "--threads", "1", "--reps", "5", "--min-time", "0.001", "--quick", "--out", out, "-q"],
                {"DEEPSWEEP_OPENBLAS": "libopenblas-missing.so.0"})
        notes = [l for l in (p.stdout + p.stderr).splitlines() if "OpenBLAS not available" in l]
        check(p.returncode == 0 and len(notes) == 1,  # -q: only in the console's notes
              f"missing OpenBLAS -> exit 0 with one note ({p.returncode}: {notes})")
        # An ISA the CPU lacks: skipped with a note, not a failure.
        missing = [i for i in ("avx512", "avx2") if i not in have]
        if missing:
            p = run(exe, ["--kernels", "softmax", "--isa", missing[0], "--threads", "1", "--reps", "5",
                          "--min-time", "0.001", "--quick", "--out", out, "-q"])
            check(p.returncode == 0 and f"isa {missing[0]}: not available" in p.stdout + p.stderr,
                  f"missing ISA {missing[0]} skipped with a note ({p.returncode}: {p.stderr.strip()})")
        else:
            print(f"skip: this CPU has every x86 ISA ({have}), no missing-ISA case to run")


if __name__ == "__main__":
    main()
    if failures:
        print(f"test_bench_json: {len(failures)} check(s) failed")
        sys.exit(1)
    print("test_bench_json: all checks passed")
