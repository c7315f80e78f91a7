"""The generator sweep: validation error against iterations, hidden size and layers.

    /usr/bin/python3 -m models.train.gen_sweep [--iterations 1600] [--batch-size 8]

Runs the main configuration (`configs/melody_cpu.json`, its full schedule: the iteration axis)
and short runs that vary one axis each around it, sequentially and resumably (a finished run
is skipped), then writes `models/gen/sweep.json` from their `metrics.csv`.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Dict, List

from .gen import train
from .gen_config import ROOT, MelodyConfig, load

MAIN = "models/train/configs/melody_cpu.json"
HIDDEN = [64, 128, 256, 400]
LAYERS = [1, 2, 3, 4]


def runs(main: MelodyConfig, iterations: int) -> List[Dict]:
    """The sweep's runs: the main one, then hidden sizes at its depth, then depths at its width."""
    out = [{"run_name": main.run_name, "axis": "iterations"}]
    for h in HIDDEN:
        out.append({"run_name": f"sweep-h{h}-l{main.layers}", "axis": "hidden", "hidden": h,
                    "layers": main.layers, "iterations": iterations})
    for n in LAYERS:
        if n != main.layers:
            out.append({"run_name": f"sweep-h{main.hidden}-l{n}", "axis": "layers",
                        "hidden": main.hidden, "layers": n, "iterations": iterations})
    return out


def read_metrics(path: Path) -> List[Dict]:
    if not path.exists():
        return []
    with open(path) as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iterations", type=int, default=1600, help="iterations of each short run")
    ap.add_argument("--only", choices=["main", "short", "all"], default="all")
    args = ap.parse_args()
    main_cfg = load(MelodyConfig, str(ROOT / MAIN))
    results = []
    for spec in runs(main_cfg, args.iterations):
        overrides = {k: v for k, v in spec.items() if k != "axis"}
        cfg = load(MelodyConfig, str(ROOT / MAIN), [f"{k}={json.dumps(v)}" for k, v in overrides.items()])
        is_main = spec["axis"] == "iterations"
        run = cfg.path(cfg.out_dir) / cfg.run_name
        rows = read_metrics(run / "metrics.csv")
        done = rows and rows[-1]["iteration"] >= cfg.iterations
        wanted = args.only == "all" or (args.only == "main") == is_main
        if wanted and not done:
            train(cfg, resume=True)
            rows = read_metrics(run / "metrics.csv")
        results.append({**spec, "hidden": cfg.hidden, "layers": cfg.layers,
                        "iterations": cfg.iterations, "batch_size": cfg.batch_size,
                        "seq_len": cfg.seq_len, "curve": rows})
    out = ROOT / "models/gen/sweep.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runs": results}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
