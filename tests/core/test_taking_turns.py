"""Processes that would make the same cache entry take turns: one makes it, the others wait
and find it made (two workers on an empty cache convert a model once, not twice)."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from convscope.core.providers import local_conversion, local_weights
from convscope.core.providers.local_sources import ModelSource, onnx_dir, resolve_source
from convscope.core.taking_turns import lock_path, taking_turns

HOLD_AND_MAKE = """
import sys, time
from pathlib import Path
from convscope.core.taking_turns import taking_turns
entry = Path(sys.argv[1])
with taking_turns(entry):
    print("holding", flush=True)
    time.sleep(0.5)
    entry.mkdir()
"""


def gguf_on_an_empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file with a valid GGUF header (version 3), the cache an empty folder."""
    monkeypatch.setenv("CONVSCOPE_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF" + (3).to_bytes(4, "little"))
    return gguf


def twice_at_once(work: Callable[[], object]) -> None:
    """Run ``work`` on two threads at once, as two processes would (flock does not care)."""
    callers = [threading.Thread(target=work) for _ in range(2)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=30)


def test_a_second_process_waits_for_the_first_and_finds_its_entry_made(tmp_path: Path) -> None:
    entry = tmp_path / "cache" / "model"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_MAKE, str(entry)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"

    with taking_turns(entry):
        made = entry.is_dir()

    assert holder.wait(timeout=30) == 0
    assert made  # this process waited for the holder to finish, not just for it to start
    assert lock_path(entry).is_file()


def test_without_a_place_for_the_lock_file_the_work_goes_on_unlocked(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    ran = False
    with taking_turns(tmp_path / "cache" / "model"):
        ran = True
    assert ran


def test_two_callers_on_an_empty_cache_convert_a_model_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = gguf_on_an_empty_cache(tmp_path, monkeypatch)
    conversions: list[Path] = []

    def slow_conversion(source: Path, folder: Path) -> None:
        conversions.append(source)
        time.sleep(0.3)  # long enough for the other caller to arrive while this one works
        folder.mkdir(parents=True)
        (folder / "genai_config.json").write_text("{}")

    monkeypatch.setattr(local_conversion, "_run_child", slow_conversion)
    source = resolve_source(str(gguf))
    folders: list[Path] = []
    twice_at_once(lambda: folders.append(local_conversion.converted_folder(source)))

    assert conversions == [gguf]
    assert folders == [onnx_dir(source)] * 2


def test_two_callers_on_an_empty_cache_dequantise_a_model_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf = gguf_on_an_empty_cache(tmp_path, monkeypatch)
    dequantised: list[Path] = []

    def slow_dequantisation(source: ModelSource) -> tuple[str, str]:
        dequantised.append(source.path)
        time.sleep(0.3)
        return "model", "tokenizer"

    def save(model: object, tokenizer: object, folder: Path, source: ModelSource) -> None:
        folder.mkdir(parents=True)

    monkeypatch.setattr(local_weights, "_dequantise", slow_dequantisation)
    monkeypatch.setattr(local_weights, "_save_to_cache", save)
    source = resolve_source(str(gguf))
    twice_at_once(lambda: local_weights.dequantised_folder(source))

    assert dequantised == [gguf]


def test_a_holder_that_never_lets_go_is_waited_for_only_so_long(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entry = tmp_path / "cache" / "model"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_MAKE.replace("time.sleep(0.5)", "time.sleep(60)"), str(entry)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        ran = False
        with (
            caplog.at_level(logging.INFO, logger="convscope.core.taking_turns"),
            taking_turns(entry, wait_limit_s=0.5),
        ):
            ran = True
    finally:
        holder.kill()
        holder.wait()

    assert ran
    assert [record.levelname for record in caplog.records] == ["INFO", "WARNING"]
    assert "waiting for another convscope process making model" in caplog.records[0].getMessage()
