"""Converting a GGUF model once for onnxruntime-genai, in a child process, into the cache.

The conversion dequantises the GGUF with transformers (the cached dequantised weights are
reused when present) and runs onnxruntime-genai's model builder on the result: tens of
seconds and about 2 GB at peak, once per file. A child process keeps torch, that memory
and the builder's chatter out of the session's process; the converted folder appears in
one rename, so an interrupted conversion leaves nothing half-written behind.

Run as ``python -m convscope.core.providers.local_conversion GGUF_PATH OUTPUT_FOLDER``.
"""

from __future__ import annotations

import logging
import runpy
import subprocess
import sys
import tempfile
from pathlib import Path

from convscope.core.providers.local_sources import (
    ONNX_BUILD_OPTIONS,
    ONNX_PRECISION,
    ModelSource,
    onnx_dir,
    write_entry_record,
)
from convscope.core.taking_turns import taking_turns

logger = logging.getLogger(__name__)

# What a GGUF file starts with: the magic, then its format version (little-endian uint32).
GGUF_MAGIC = b"GGUF"
GGUF_VERSIONS = (2, 3)
# A cold conversion takes 10-80 s on 2 busy cores; far longer means something is stuck.
CONVERSION_TIMEOUT_S = 900
BUILDER = "onnxruntime_genai.models.builder"


def converted_folder(source: ModelSource) -> Path:
    """``source`` converted for onnxruntime-genai, converting it first if it is not cached.

    Blocks (call from a worker thread); raises RuntimeError with the child's last line of
    output when the conversion fails.
    """
    folder = onnx_dir(source)
    if _converted(folder):
        return folder
    _check_header(source.path)
    with taking_turns(folder):  # another process converting this file: wait for its result
        if not _converted(folder):
            logger.info("converting %s for onnxruntime-genai (once, into %s)", source.path, folder)
            _run_child(source.path, folder)
    return folder


def _converted(folder: Path) -> bool:
    return (folder / "genai_config.json").is_file()


def _check_header(gguf: Path) -> None:
    """Refuse a file that is no GGUF model at once, not after a child has spent seconds
    importing torch to find out."""
    with gguf.open("rb") as file:
        head = file.read(8)
    if head[:4] != GGUF_MAGIC or int.from_bytes(head[4:8], "little") not in GGUF_VERSIONS:
        raise RuntimeError(f"{gguf.name} is not a GGUF file (version 2 or 3)")


def _run_child(gguf: Path, folder: Path) -> None:
    command = [sys.executable, "-m", __name__, str(gguf), str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=CONVERSION_TIMEOUT_S, check=False)
    if done.returncode != 0 or not _converted(folder):
        lines = (done.stderr or done.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise RuntimeError(f"converting for onnxruntime-genai failed: {reason}")


def _convert(gguf: Path, folder: Path) -> None:
    """The child's work: dequantised weights (cached), then the builder, published atomically.

    The builder runs as its command line, in this process: a process of its own imported
    torch and transformers a second time (3 of its 10 s).
    """
    from convscope.core.providers.local_weights import dequantised_folder, write_dir_atomically

    source = ModelSource(gguf.stem, gguf)
    weights = dequantised_folder(source)

    def build(target: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="convscope-onnx-builder-") as scratch:
            paths = ["-i", str(weights), "-o", str(target), "-c", scratch]
            quantisation = ["-p", ONNX_PRECISION, "--extra_options", *ONNX_BUILD_OPTIONS]
            sys.argv = [BUILDER, *paths, *quantisation, "-e", "cpu"]
            runpy.run_module(BUILDER, run_name="__main__", alter_sys=True)
        write_entry_record(target, source)

    write_dir_atomically(folder, build)


if __name__ == "__main__":
    _convert(Path(sys.argv[1]), Path(sys.argv[2]))
