"""A real third-party server for the end-to-end tests: ``transformers serve`` on 127.0.0.1.

It serves the embedded SmolLM2 as a model folder: the dequantised weights that convscope
already caches for ``local:smollm2-135m`` (built once if missing), beside a generation
config with sampling on, so that temperature and seed matter as they would on any server.
The server is kept off the network: offline hub, no update check, and every proxy variable
pointing at a closed port, so an attempt to reach out fails instead of leaving the machine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from convscope.core.providers.local_sources import cache_dir, resolve_source

# What the server needs from the cached folder; generation_config.json is written anew.
_MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
)
START_TIMEOUT_S = 180.0

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",  # `transformers` asks PyPI for a newer version otherwise
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}


def smollm2_folder(target: Path) -> Path:
    """A model folder for SmolLM2 in ``target``: links to the cached weights, sampling on."""
    source = resolve_source("smollm2-135m")
    cached = cache_dir(source)
    if not cached.is_dir():
        from convscope.core.providers.local_weights import load_weights  # dequantises and caches

        load_weights(source)
    target.mkdir(parents=True, exist_ok=True)
    for name in _MODEL_FILES:
        (target / name).symlink_to(cached / name)
    generation = json.loads((cached / "generation_config.json").read_text(encoding="utf-8"))
    generation.update(do_sample=True, temperature=0.8, top_p=0.95)
    (target / "generation_config.json").write_text(json.dumps(generation, indent=2), encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def transformers_serve(model: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``transformers serve`` pinned to ``model`` on 127.0.0.1:``port``, up and healthy; killed
    (with its whole process group) on the way out, however the test ends."""
    command = [
        sys.executable, "-m", "transformers.cli.transformers", "serve", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--device", "cpu", "--dtype", "float32",
        "--log-level", "warning",
    ]  # fmt: skip
    with log.open("ab") as output:
        server = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **OFFLINE_ENV, "OMP_NUM_THREADS": "1"},
            start_new_session=True,
        )
    try:
        _wait_until_healthy(server, port, log)
        yield server
    finally:
        kill(server)


def kill(server: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server's process group: no goodbye to its clients, as in a crash."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=30)


def _wait_until_healthy(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"transformers serve exited with {server.returncode}: {_tail(log)}")
            try:
                if client.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise TimeoutError(f"transformers serve not healthy after {START_TIMEOUT_S:.0f} s: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-2000:]
