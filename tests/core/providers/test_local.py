"""The local provider with the real embedded SmolLM2 model.

The model tests share the user's real weights cache: a temporary cache would dequantise
the GGUF again (about 20 s) on every run, while the shared one makes repeated runs load
in under a second. The cache test still pins the cache path by asking where a fresh
in-process load came from, not how long it took.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import cast

import pytest
from transformers import BatchEncoding, GenerationMixin

from convscope.core.agents import AgentSpec, GenerationParams
from convscope.core.providers import local
from convscope.core.providers.base import ChatMessage, ChatRequest, ProviderError, StreamItem, Usage
from convscope.core.providers.local_sources import cache_dir, resolve_source
from convscope.core.providers.local_weights import write_dir_atomically

AGENT = AgentSpec(id="ada", nickname="Ada", provider="local:smollm2-135m")
SHORT_CHAT = (
    ChatMessage("system", "You answer in one short sentence."),
    ChatMessage("user", "Name a colour."),
)
GREEDY = GenerationParams(temperature=0, max_tokens=8)
# Greedy SmolLM2 repeats this for hundreds of tokens (tens of seconds) unless stopped.
ENDLESS = ChatRequest(
    (ChatMessage("user", "Write the word 'ping' 800 times."),),
    GenerationParams(temperature=0, max_tokens=4000),
)


@pytest.fixture(scope="module")
def embedded() -> Iterator[local.LocalModel]:
    """The embedded model, loaded once for the module (from the user cache after the first run)."""
    yield local.load_model(resolve_source("smollm2-135m"))
    local.clear_loaded_models()


def generation_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(local.GENERATION_THREAD_PREFIX)]


async def collect(stream: AsyncIterator[StreamItem]) -> tuple[list[str], list[Usage]]:
    items = [item async for item in stream]
    return [i for i in items if isinstance(i, str)], [i for i in items if isinstance(i, Usage)]


def reference_reply(model: local.LocalModel, messages: tuple[ChatMessage, ...], max_new_tokens: int) -> str:
    """transformers' own greedy generation and decoding, without our streaming."""
    tokenizer = model.weights.tokenizer
    inputs = cast(
        BatchEncoding,
        tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in messages],
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        ),
    )
    prompt_length = inputs["input_ids"].shape[1]
    output = cast(GenerationMixin, model.weights.model).generate(  # type: ignore[misc]
        **inputs, max_new_tokens=max_new_tokens, do_sample=False
    )
    return str(tokenizer.decode(output[0, prompt_length:], skip_special_tokens=True))


@pytest.mark.slow
async def test_embedded_model_streams_deltas_that_join_to_the_greedy_reply(
    embedded: local.LocalModel,
) -> None:
    provider = local.create("smollm2-135m", AGENT)

    deltas, usages = await collect(provider.stream(ChatRequest(SHORT_CHAT, GREEDY)))

    assert provider.name == "local:smollm2-135m"
    assert len(deltas) > 1 and all(deltas)
    assert "".join(deltas) == reference_reply(embedded, SHORT_CHAT, max_new_tokens=8)
    assert len(usages) == 1
    assert usages[0].prompt_tokens is not None and usages[0].prompt_tokens > 10
    assert usages[0].completion_tokens is not None and 0 < usages[0].completion_tokens <= 8


@pytest.mark.slow
async def test_same_seed_samples_the_same_reply(embedded: local.LocalModel) -> None:
    provider = local.create("smollm2-135m", AGENT)
    sampled = ChatRequest(SHORT_CHAT, GenerationParams(temperature=1.2, top_p=0.95, max_tokens=8, seed=11))

    first, _ = await collect(provider.stream(sampled))
    second, _ = await collect(provider.stream(sampled))

    assert "".join(first) == "".join(second) != ""


@pytest.mark.slow
async def test_agents_on_one_model_file_share_one_loaded_copy(embedded: local.LocalModel) -> None:
    gguf_path = str(resolve_source("smollm2-135m").path)
    providers = [
        local.create("smollm2-135m", AGENT),
        local.create("smollm2-135m", AGENT.model_copy(update={"id": "bo"})),
        local.create(gguf_path, AGENT.model_copy(update={"id": "cy", "provider": f"local:{gguf_path}"})),
    ]
    local.clear_loaded_models()

    loaded = await asyncio.gather(*(p.loaded() for p in providers))

    assert loaded[0] is loaded[1] is loaded[2]
    assert loaded[0] is not embedded  # it was loaded afresh, once, by three concurrent callers


@pytest.mark.slow
async def test_a_fresh_process_loads_the_dequantised_weights_from_the_cache(
    embedded: local.LocalModel,
) -> None:
    source = resolve_source("smollm2-135m")
    folder = cache_dir(source)
    assert (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()
    assert not [
        p for p in folder.parent.iterdir() if ".partial-" in p.name and p.name.startswith(f".{folder.name}")
    ]

    local.clear_loaded_models()
    reloaded = await local.create("smollm2-135m", AGENT).loaded()

    assert reloaded.weights.origin == "cache"


@pytest.mark.slow
async def test_a_hugging_face_model_folder_is_a_target(embedded: local.LocalModel) -> None:
    folder = cache_dir(resolve_source("smollm2-135m"))  # a save_pretrained folder, like any HF model
    provider = local.create(str(folder), AGENT)

    deltas, _ = await collect(provider.stream(ChatRequest(SHORT_CHAT, GREEDY)))

    assert (await provider.loaded()).weights.origin == "folder"
    assert "".join(deltas) == reference_reply(embedded, SHORT_CHAT, max_new_tokens=8)


@pytest.mark.slow
async def test_closing_the_stream_early_stops_the_generation_thread(embedded: local.LocalModel) -> None:
    provider = local.create("smollm2-135m", AGENT)
    stream = cast(AsyncGenerator[StreamItem, None], provider.stream(ENDLESS))
    assert isinstance(await anext(stream), str)
    [worker] = generation_threads()

    await stream.aclose()

    worker.join(timeout=5)
    assert not worker.is_alive()
    lock = (await provider.loaded()).generation_lock
    assert lock.acquire(blocking=False)  # the next generation can start
    lock.release()


@pytest.mark.slow
async def test_cancelling_the_consumer_stops_the_generation_thread(embedded: local.LocalModel) -> None:
    first_delta = asyncio.Event()

    async def consume() -> None:
        async for _ in local.create("smollm2-135m", AGENT).stream(ENDLESS):
            first_delta.set()

    task = asyncio.create_task(consume())
    await first_delta.wait()
    [worker] = generation_threads()

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    worker.join(timeout=5)
    assert not worker.is_alive()


def test_creating_a_provider_imports_no_torch() -> None:
    """Resolving a spec happens on the event loop: it must not pay torch's import."""
    script = (
        "import sys\n"
        "from convscope.core.agents import AgentSpec\n"
        "from convscope.core.providers.local import create\n"
        "create('smollm2-135m', AgentSpec(id='a', nickname='A', provider='local:smollm2-135m'))\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'heavy import'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def bad_targets(tmp: Path) -> dict[str, str]:
    (tmp / "notes.txt").write_text("not a model")
    (tmp / "empty-folder").mkdir()
    return {
        "gpt-17": "smollm2-135m",
        str(tmp / "missing.gguf"): "nor an existing",
        str(tmp / "notes.txt"): "expected a .gguf file",
        str(tmp / "empty-folder"): "config.json",
    }


def test_bad_targets_fail_at_once_with_a_one_line_permanent_error(tmp_path: Path) -> None:
    for target, hint in bad_targets(tmp_path).items():
        with pytest.raises(ProviderError) as caught:
            local.create(target, AGENT)
        assert caught.value.permanent
        assert hint in caught.value.message and "\n" not in caught.value.message
        assert caught.value.message.startswith(f"local:{target}: ")


def test_cache_lives_under_convscope_cache_and_moves_when_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVSCOPE_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF v1")
    before = cache_dir(resolve_source(str(gguf)))

    gguf.write_bytes(b"GGUF v2, longer")

    assert before.parent == tmp_path / "cache" / "models"
    assert before.name.startswith("tiny-")
    assert cache_dir(resolve_source(str(gguf))) != before


def write_two_files(folder: Path) -> None:
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"weights")


def test_a_completed_cache_write_appears_whole(tmp_path: Path) -> None:
    final = tmp_path / "models" / "m-123"

    write_dir_atomically(final, write_two_files)

    assert sorted(p.name for p in final.iterdir()) == ["config.json", "model.safetensors"]
    assert [p.name for p in final.parent.iterdir()] == ["m-123"]


def test_an_interrupted_cache_write_leaves_no_folder_and_no_debris(tmp_path: Path) -> None:
    final = tmp_path / "models" / "m-123"

    def write_then_fail(folder: Path) -> None:
        (folder / "config.json").write_text("{}")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_dir_atomically(final, write_then_fail)

    assert list(final.parent.iterdir()) == []


def test_a_cache_published_first_by_another_process_is_kept(tmp_path: Path) -> None:
    final = tmp_path / "models" / "m-123"
    final.mkdir(parents=True)
    (final / "theirs").write_text("complete")

    write_dir_atomically(final, write_two_files)

    assert [p.name for p in final.iterdir()] == ["theirs"]
    assert [p.name for p in final.parent.iterdir()] == ["m-123"]


async def test_a_gguf_that_does_not_load_fails_the_turn_permanently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVSCOPE_CACHE", str(tmp_path / "cache"))
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(64))
    provider = local.create(str(broken), AGENT)

    with pytest.raises(ProviderError) as caught:
        await collect(provider.stream(ChatRequest(SHORT_CHAT, GREEDY)))

    assert caught.value.permanent
    assert caught.value.message.startswith("local:broken: cannot load ") and "\n" not in caught.value.message
    assert not (tmp_path / "cache" / "models").exists() or not any((tmp_path / "cache" / "models").iterdir())
