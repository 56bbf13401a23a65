"""A new user's first wait: preparing the embedded model on an empty cache. One JSON line per step.

    .venv/bin/python bench/bench_conversion.py

Each step runs in a child process (as it does for a person: the ONNX conversion always has
a child of its own), against a cache folder made for this run and deleted after it:
dequantising the GGUF (what the transformers runtime caches), then converting for
onnxruntime-genai from those weights (what ``make demo`` waits for once). Before this
bench's change the steps took 23.6 s and 17.4 s on this machine's quiet 2 cores; the figures
carry the load average because a busy machine stretches both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

PROVIDERS = "convscope.core.providers"
STEPS = {  # the figure, and the import of the function that prepares the model for it
    "local_dequantise_cold": f"from {PROVIDERS}.local_weights import dequantised_folder as prepare",
    "local_onnx_conversion_cold": f"from {PROVIDERS}.local_conversion import converted_folder as prepare",
}


def timed_step(cache: str, name: str) -> float:
    code = f"{STEPS[name]}\nfrom convscope.core.providers.local_sources import resolve_source\n"
    code += "prepare(resolve_source('smollm2-135m'))"
    start = time.perf_counter()
    env = {**os.environ, "CONVSCOPE_CACHE": cache}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed: {(done.stderr.strip().splitlines() or ['no output'])[-1]}")
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="convscope-bench-conversion-") as cache:
        for name in STEPS:  # in this order: the conversion starts from the dequantised weights
            seconds = timed_step(cache, name)
            load = [round(x, 2) for x in os.getloadavg()]
            figure = {"figure": name, "value": round(seconds, 2), "unit": "s", "loadavg": load}
            print(json.dumps(figure), flush=True)


if __name__ == "__main__":
    main()
