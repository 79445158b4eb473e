"""onnxruntime's side of scripts/bench-engine-vs-ort.sh, and the table that puts both sides together.

  bench_ort.py time DIR [--runs N] [--warmup N] [--loads N]
      Times onnxruntime on the models `verity-node bench-engine --write-models DIR` wrote (the very
      bytes the node runs, with the same input), once with one intra-op thread and once with
      onnxruntime's default threads, and with --capi BINARY (scripts/bench_ort_capi.c, built) through
      its C API with one thread; prints JSON.
  bench_ort.py table --ort ORT.json ... [--tract LABEL=TRACT.json ...] [--out FILE]
      Prints one table of all the figures (and writes it as JSON to FILE); given several rounds,
      each engine's figures are those of its round with the lowest median.

Timer: in-process, time.perf_counter_ns around each InferenceSession.run, one call at a time,
as the node's `bench-engine` times tract (std::time::Instant around each Loaded::run). The input
array is made once, before the timed calls, while tract's figure includes decoding its input bytes
and encoding its output (well under a µs for these sizes); onnxruntime's includes the Python
binding's per-call cost (a few µs), which weighs on the demo model.
Percentiles are nearest-rank, as in node/src/engine_bench.rs.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

DTYPES = {"F32": "<f4", "I8": "i1", "I32": "<i4"}


def quantile(sorted_samples, q):
    """Nearest rank, rounding half up (Rust's f64::round on non-negative values)."""
    last = len(sorted_samples) - 1
    return sorted_samples[min(last, math.floor(q * last + 0.5))]


def summary(samples_ns):
    us = sorted(s / 1000.0 for s in samples_ns)
    return {
        "median_us": round(quantile(us, 0.5), 2),
        "p10_us": round(quantile(us, 0.1), 2),
        "p90_us": round(quantile(us, 0.9), 2),
        "min_us": round(us[0], 2),
    }


ONNX_TYPES = {"F32": 1, "I8": 3, "I32": 6}


def time_capi(args, manifest):
    """The same runs through onnxruntime's C API (scripts/bench_ort_capi.c), one intra-op thread."""
    import numpy as np

    results = []
    for entry in manifest:
        io = entry["io"]
        out_path = os.path.join(args.dir, entry["name"] + ".capi-output.bin")
        dims = lambda t: ",".join(str(d) for d in t["shape"])  # noqa: E731
        line = subprocess.run(
            [args.capi, os.path.join(args.dir, entry["model"]), os.path.join(args.dir, entry["input"]),
             dims(io["input"]), str(ONNX_TYPES[io["input"]["dtype"]]),
             dims(io["output"]), str(ONNX_TYPES[io["output"]["dtype"]]),
             str(args.runs), str(args.warmup), "1", out_path],
            check=True, capture_output=True, text=True).stdout
        median, p10, p90, low = (float(v) for v in line.split())
        out_dtype = DTYPES[io["output"]["dtype"]]
        with open(out_path, "rb") as f:
            y = np.frombuffer(f.read(), dtype=out_dtype)
        with open(os.path.join(args.dir, entry["tract_output"]), "rb") as f:
            tract_y = np.frombuffer(f.read(), dtype=out_dtype)
        results.append({
            "name": entry["name"], "median_us": median, "p10_us": p10, "p90_us": p90, "min_us": low,
            "max_abs_diff_vs_tract": float(np.max(np.abs(y.astype(np.float64) - tract_y))),
        })
    return results


def time_models(args):
    import numpy as np
    import onnxruntime as ort

    with open(os.path.join(args.dir, "models.json")) as f:
        manifest = json.load(f)
    configs = []
    for threads in (1, 0):
        results = []
        for entry in manifest:
            path = os.path.join(args.dir, entry["model"])
            dtype = np.dtype(DTYPES[entry["io"]["input"]["dtype"]])
            shape = entry["io"]["input"]["shape"]
            with open(os.path.join(args.dir, entry["input"]), "rb") as f:
                x = f.read()
            with open(os.path.join(args.dir, entry["tract_output"]), "rb") as f:
                tract_y = np.frombuffer(f.read(), dtype=DTYPES[entry["io"]["output"]["dtype"]])

            def session():
                options = ort.SessionOptions()
                # 0 is onnxruntime's default: one thread per physical core.
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

            loads = []
            for _ in range(max(1, args.loads)):
                start = time.perf_counter_ns()
                sess = session()
                loads.append(time.perf_counter_ns() - start)
            name = sess.get_inputs()[0].name

            feed = {name: np.frombuffer(x, dtype=dtype).reshape(shape)}

            def call():
                return sess.run(None, feed)

            y = np.frombuffer(call()[0].tobytes(), dtype=tract_y.dtype)
            for _ in range(args.warmup):
                call()
            samples = []
            for _ in range(args.runs):
                start = time.perf_counter_ns()
                call()
                samples.append(time.perf_counter_ns() - start)
            result = {"name": entry["name"], **summary(samples)}
            result["load_us"] = round(statistics.median(loads) / 1000.0, 2)
            # Both engines on the same bytes must agree.
            result["max_abs_diff_vs_tract"] = float(np.max(np.abs(y.astype(np.float64) - tract_y)))
            results.append(result)
        configs.append({"api": "python", "intra_op_threads": threads or "default", "models": results})
    if args.capi:
        configs.append({"api": "c", "intra_op_threads": 1, "models": time_capi(args, manifest)})
    print(json.dumps({
        "engine": "onnxruntime",
        "version": ort.__version__,
        "numpy": np.__version__,
        "timer": "in-process perf_counter_ns around each InferenceSession.run",
        "runs": args.runs,
        "warmup": args.warmup,
        "loads": max(1, args.loads),
        "configs": configs,
    }))


def best_of(reports, key):
    """Per model name, the figures of the round with the lowest median: on a shared machine, the
    round least disturbed by other work."""
    best = {}
    for report in reports:
        for m in key(report):
            if m["name"] not in best or m["median_us"] < best[m["name"]]["median_us"]:
                best[m["name"]] = m
    return best


def table(args):
    def load(path):
        with open(path) as f:
            return json.load(f)

    ort_reports = [load(path) for path in args.ort]
    labels, tract_reports = [], {}
    for spec in args.tract:
        label, _, path = spec.partition("=")
        if label not in tract_reports:
            labels.append(label)
            tract_reports[label] = []
        tract_reports[label].append(load(path))

    def ort_config(api, threads):
        return best_of(ort_reports, lambda r: next(
            (c["models"] for c in r["configs"]
             if c.get("api", "python") == api and c["intra_op_threads"] == threads), []))

    ort1, ortd, ortc = ort_config("python", 1), ort_config("python", "default"), ort_config("c", 1)
    tract = {label: best_of(tract_reports[label], lambda r: r["models"]) for label in labels}
    names = [m["name"] for m in ort_reports[0]["configs"][0]["models"]]

    def fig(m):
        return f'{m["median_us"]:.1f} ({m["p10_us"]:.1f}–{m["p90_us"]:.1f})' if m else "–"

    rows = []
    for name in names:
        row = {"model": name, "onnxruntime_1_thread": ort1[name], "onnxruntime_default": ortd[name],
               "onnxruntime_c_api_1_thread": ortc.get(name), "tract": {}}
        for label in labels:
            m = tract[label].get(name)
            if m:
                m = dict(m, ratio_vs_onnxruntime_1_thread=round(m["median_us"] / ort1[name]["median_us"], 2))
                if name in ortc:
                    m["ratio_vs_onnxruntime_c_api"] = round(m["median_us"] / ortc[name]["median_us"], 2)
            row["tract"][label] = m
        rows.append(row)

    def ratio(m):
        if not m:
            return "–"
        text = f'{m["ratio_vs_onnxruntime_1_thread"]:.2f}×'
        return text + (f' / {m["ratio_vs_onnxruntime_c_api"]:.2f}×' if "ratio_vs_onnxruntime_c_api" in m else "")

    header = ["model"] + [f"tract, {label} node" for label in labels]
    header += ["onnxruntime, 1 thread", "onnxruntime, default threads"]
    header += ["onnxruntime C API, 1 thread"] if ortc else []
    header += [f"ratio, {label}" for label in labels]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        cells = [row["model"]] + [fig(row["tract"][label]) for label in labels]
        cells += [fig(row["onnxruntime_1_thread"]), fig(row["onnxruntime_default"])]
        cells += [fig(row["onnxruntime_c_api_1_thread"])] if ortc else []
        cells += [ratio(row["tract"][label]) for label in labels]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"per-inference median (p10–p90) in µs, the best of {len(ort_reports)} round(s); "
                 "ratio = tract median / onnxruntime's 1-thread median from Python"
                 + (" / from C" if ortc else "") + "; floor_1_1 (a 1-1 MLP, one "
                 "multiply-add) is what a call costs besides the model's arithmetic")
    lines.append("load (parse + optimise), median µs: " + "; ".join(
        f'{row["model"]}: ' + ", ".join(
            [f'tract {label} {row["tract"][label]["load_us"]:.0f}' for label in labels if row["tract"][label]]
            + [f'onnxruntime {row["onnxruntime_1_thread"]["load_us"]:.0f}'])
        for row in rows))
    lines.append("tract vs onnxruntime outputs, max |difference|: " + ", ".join(
        f'{row["model"]} {max(m["max_abs_diff_vs_tract"] for m in (row["onnxruntime_1_thread"], row["onnxruntime_c_api_1_thread"]) if m):.2g}'
        for row in rows))
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({
                "onnxruntime": {k: ort_reports[0][k] for k in ("version", "timer", "runs", "warmup")},
                "tract": {label: {k: tract_reports[label][0][k] for k in ("binary", "timer", "runs", "warmup")}
                          for label in labels},
                "rows": rows,
                "rounds": {"onnxruntime": ort_reports, "tract": tract_reports},
            }, f, indent=2)
            f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("time", help="time onnxruntime on the models in DIR")
    t.add_argument("dir")
    t.add_argument("--runs", type=int, default=1000)
    t.add_argument("--warmup", type=int, default=200)
    t.add_argument("--loads", type=int, default=5)
    t.add_argument("--capi", metavar="BINARY", help="also time the C API with this bench_ort_capi build")
    t.set_defaults(run=time_models)
    b = sub.add_parser("table", help="one table of onnxruntime's and tract's figures")
    b.add_argument("--ort", action="append", required=True, metavar="FILE")
    b.add_argument("--tract", action="append", default=[], metavar="LABEL=FILE")
    b.add_argument("--out")
    b.set_defaults(run=table)
    args = parser.parse_args()
    if getattr(args, "runs", 1) < 1:
        parser.error("--runs must be at least 1")
    args.run(args)


if __name__ == "__main__":
    try:
        main()
    except (OSError, KeyError, ValueError, subprocess.CalledProcessError) as e:
        print(f"bench_ort.py: {e}", file=sys.stderr)
        sys.exit(1)
