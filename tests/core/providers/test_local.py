"""The local provider with the real embedded SmolLM2 model, on both runtimes.

The model tests share the user's real cache: a temporary cache would convert the GGUF
again (tens of seconds) on every run, while the shared one makes repeated runs load in
under a second. The cache test still pins the cache path by forbidding a conversion on
reload, not by timing it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from functools import partial
from pathlib import Path
from typing import cast

import numpy as np
import onnxruntime_genai as og
import pytest
from transformers import BatchEncoding, GenerationMixin

from convscope.core.agents import AgentSpec, GenerationParams
from convscope.core.providers import local, local_conversion, local_onnx, local_sources
from convscope.core.providers.base import ChatMessage, ChatRequest, ProviderError, StreamItem, Usage
from convscope.core.providers.local_generation import HfPromptTokenizer, TransformersRuntime
from convscope.core.providers.local_onnx import OnnxRuntime
from convscope.core.providers.local_runtime import Job
from convscope.core.providers.local_sources import cache_dir, onnx_dir, resolve_source
from convscope.core.providers.local_weights import dequantised_folder, write_dir_atomically
from convscope.core.threads import inference_threads

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
    """The embedded model on its default (fast) runtime, loaded once for the module (from the
    user cache after the first run)."""
    yield local.load_model(resolve_source("smollm2-135m"))
    local.clear_loaded_models()


@pytest.fixture(scope="module")
def reference(embedded: local.LocalModel) -> TransformersRuntime:
    """The embedded model on transformers, the reference runtime, loaded (as every start after
    the first) from the cached dequantised weights."""
    dequantised_folder(resolve_source("smollm2-135m"))  # made by the first conversion; kept
    runtime = local.load_model(resolve_source("smollm2-135m"), "transformers").runtime
    assert isinstance(runtime, TransformersRuntime)
    return runtime


def generation_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(local.GENERATION_THREAD_PREFIX)]


async def collect(stream: AsyncIterator[StreamItem]) -> tuple[list[str], list[Usage]]:
    items = [item async for item in stream]
    return [i for i in items if isinstance(i, str)], [i for i in items if isinstance(i, Usage)]


def text_of(deltas: list[str]) -> str:
    return "".join(deltas)


def onnx_reference_reply(
    model: local.LocalModel, messages: tuple[ChatMessage, ...], max_new_tokens: int
) -> str:
    """onnxruntime-genai's own greedy generation and decoding, without our sampling or streaming."""
    runtime = model.runtime
    assert isinstance(runtime, OnnxRuntime)
    ids = runtime.tokenizer.encode(runtime.prompts.prompt(messages))
    params = og.GeneratorParams(runtime.model)
    params.set_search_options(max_length=len(ids) + max_new_tokens, do_sample=False)
    generator = og.Generator(runtime.model, params)
    generator.append_tokens(ids)
    while not generator.is_done():
        generator.generate_next_token()
    reply = np.asarray(generator.get_sequence(0))[len(ids) :]
    return str(runtime.tokenizer.decode(reply[~np.isin(reply, runtime.tokenizer.eos_token_ids)]))


def reference_reply(
    runtime: TransformersRuntime, messages: tuple[ChatMessage, ...], max_new_tokens: int
) -> str:
    """transformers' own greedy generation and decoding, without our streaming."""
    tokenizer = runtime.weights.tokenizer
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
    output = cast(GenerationMixin, runtime.weights.model).generate(  # type: ignore[misc]
        **inputs, max_new_tokens=max_new_tokens, do_sample=False
    )
    return str(tokenizer.decode(output[0, prompt_length:], skip_special_tokens=True))


@pytest.mark.slow
async def test_the_embedded_model_runs_on_onnxruntime_genai_and_streams_its_greedy_reply(
    embedded: local.LocalModel,
) -> None:
    provider = local.create("smollm2-135m", AGENT)

    deltas, usages = await collect(provider.stream(ChatRequest(SHORT_CHAT, GREEDY)))

    assert isinstance(embedded.runtime, OnnxRuntime)
    assert provider.name == "local:smollm2-135m"
    assert len(deltas) > 1 and all(deltas)
    assert text_of(deltas) == onnx_reference_reply(embedded, SHORT_CHAT, max_new_tokens=8)
    assert len(usages) == 1
    assert usages[0].prompt_tokens is not None and usages[0].prompt_tokens > 10
    assert usages[0].completion_tokens is not None and 0 < usages[0].completion_tokens <= 8


@pytest.mark.slow
async def test_the_transformers_runtime_streams_transformers_greedy_reply(
    reference: TransformersRuntime,
) -> None:
    provider = local.LocalProvider("local:smollm2-135m", resolve_source("smollm2-135m"), "transformers")

    deltas, _ = await collect(provider.stream(ChatRequest(SHORT_CHAT, GREEDY)))

    assert len(deltas) > 1
    assert text_of(deltas) == reference_reply(reference, SHORT_CHAT, max_new_tokens=8)


@pytest.mark.slow
async def test_same_seed_samples_the_same_reply_and_another_seed_another(embedded: local.LocalModel) -> None:
    provider = local.create("smollm2-135m", AGENT)

    def sampled(seed: int) -> ChatRequest:
        return ChatRequest(
            SHORT_CHAT, GenerationParams(temperature=1.2, top_p=0.95, max_tokens=12, seed=seed)
        )

    first, _ = await collect(provider.stream(sampled(11)))
    second, _ = await collect(provider.stream(sampled(11)))
    others = [text_of((await collect(provider.stream(sampled(seed))))[0]) for seed in (12, 13)]

    assert text_of(first) == text_of(second) != ""
    assert any(other != text_of(first) for other in others)


@pytest.mark.slow
async def test_simultaneous_requests_run_as_one_batch_and_each_reply_is_the_one_it_gets_alone(
    embedded: local.LocalModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    generate = embedded.runtime.generate

    def recording(jobs: list[Job]) -> None:
        batches.append(len(jobs))
        generate(jobs)

    monkeypatch.setattr(embedded.runtime, "generate", recording)
    provider = local.create("smollm2-135m", AGENT)
    requests = [
        ChatRequest(
            (ChatMessage("user", f"Give me idea number {seed} for a picnic."),),
            GenerationParams(temperature=0.8, max_tokens=6 + seed, seed=seed),
        )
        for seed in range(4)
    ]

    together = await asyncio.gather(*(collect(provider.stream(request)) for request in requests))
    alone = [await collect(provider.stream(request)) for request in requests]

    assert batches == [4, 1, 1, 1, 1]
    assert [text_of(deltas) for deltas, _ in together] == [text_of(deltas) for deltas, _ in alone]
    assert [usages for _, usages in together] == [usages for _, usages in alone]


@pytest.mark.slow
def test_a_batch_computes_on_a_session_with_more_threads_and_gives_each_reply_it_gets_alone(
    embedded: local.LocalModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One row is bound by memory and keeps the first session's threads; several rows load a
    second session with every usable core (here one more thread than the first, whatever the
    machine) whose threads do not spin, and its text is the text of each row alone."""
    loads: list[tuple[int, bool]] = []
    load = local_onnx._load

    def recording(folder: Path, threads: int, spinning: bool = True) -> og.Model:
        loads.append((threads, spinning))
        return load(folder, threads, spinning)

    monkeypatch.setattr(local_onnx, "_load", recording)
    monkeypatch.setattr(local_onnx, "batch_threads", lambda: inference_threads() + 1)
    runtime = OnnxRuntime(onnx_dir(resolve_source("smollm2-135m")))
    requests = [
        ChatRequest(
            (ChatMessage("user", f"Give me idea number {seed} for a picnic."),),
            GenerationParams(temperature=0.8, max_tokens=8, seed=seed),
        )
        for seed in range(3)
    ]

    def texts(batches: list[list[int]]) -> list[str]:
        replies: dict[int, list[str]] = {index: [] for index in range(len(requests))}
        for batch in batches:
            runtime.generate([Job(requests[i], threading.Event(), partial(_keep, replies[i])) for i in batch])
        return ["".join(replies[index]) for index in range(len(requests))]

    alone = texts([[0], [1], [2]])
    assert loads == [(inference_threads(), True)]
    together = texts([[0, 1, 2]])
    assert loads == [(inference_threads(), True), (inference_threads() + 1, False)]
    assert together == alone
    assert all(alone)


def _keep(deltas: list[str], item: object) -> None:
    if isinstance(item, str):
        deltas.append(item)


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
async def test_a_reload_takes_the_converted_model_from_the_cache(
    embedded: local.LocalModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = resolve_source("smollm2-135m")
    folder = onnx_dir(source)
    assert (folder / "genai_config.json").is_file() and (folder / "model.onnx").is_file()
    assert not [
        p for p in folder.parent.iterdir() if ".partial-" in p.name and p.name.startswith(f".{folder.name}")
    ]

    def no_conversion(gguf: Path, folder: Path) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(local_conversion, "_run_child", no_conversion)
    local.clear_loaded_models()
    reloaded = await local.create("smollm2-135m", AGENT).loaded()

    assert isinstance(reloaded.runtime, OnnxRuntime)


@pytest.mark.slow
async def test_the_transformers_runtime_loads_the_dequantised_weights_from_the_cache(
    reference: TransformersRuntime,
) -> None:
    folder = cache_dir(resolve_source("smollm2-135m"))
    assert (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()

    assert reference.weights.origin == "cache"  # that load was the reload: no second one needed


@pytest.mark.slow
async def test_a_hugging_face_model_folder_is_a_target_served_by_transformers(
    reference: TransformersRuntime,
) -> None:
    folder = cache_dir(resolve_source("smollm2-135m"))  # a save_pretrained folder, like any HF model
    provider = local.create(str(folder), AGENT)

    deltas, _ = await collect(provider.stream(ChatRequest(SHORT_CHAT, GREEDY)))

    runtime = (await provider.loaded()).runtime
    assert isinstance(runtime, TransformersRuntime) and runtime.weights.origin == "folder"
    assert text_of(deltas) == reference_reply(reference, SHORT_CHAT, max_new_tokens=8)


@pytest.mark.slow
async def test_closing_the_stream_early_stops_the_generation_thread(embedded: local.LocalModel) -> None:
    provider = local.create("smollm2-135m", AGENT)
    stream = cast(AsyncGenerator[StreamItem, None], provider.stream(ENDLESS))
    assert isinstance(await anext(stream), str)
    [worker] = generation_threads()

    await stream.aclose()

    worker.join(timeout=5)
    assert not worker.is_alive()
    deltas, _ = await collect(provider.stream(ChatRequest(SHORT_CHAT, GREEDY)))  # the next one runs
    assert deltas


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


@pytest.mark.slow
def test_the_fast_runtime_counts_and_cuts_prompts_as_transformers_tokenizer_does(
    embedded: local.LocalModel, reference: TransformersRuntime
) -> None:
    fast = embedded.runtime
    assert isinstance(fast, OnnxRuntime)
    slow = HfPromptTokenizer(reference.weights.tokenizer)
    chats = [SHORT_CHAT, (ChatMessage("user", "Émile said: «bonjour» — then 3.5 km, naïvely 🙂"),)]

    assert [fast.prompts.prompt_length(chat) for chat in chats] == [
        slow.prompt_length(chat) for chat in chats
    ]
    assert fast.prompts.token_offsets(chats[1][0].content) == slow.token_offsets(chats[1][0].content)


@pytest.mark.slow
def test_the_fast_runtime_generates_without_importing_torch(embedded: local.LocalModel) -> None:
    """torch costs seconds to import and hundreds of MB: the session's process never needs it."""
    script = (
        "import asyncio, sys\n"
        "from convscope.core.agents import AgentSpec, GenerationParams\n"
        "from convscope.core.providers.base import ChatMessage, ChatRequest\n"
        "from convscope.core.providers.local import create\n"
        "provider = create('smollm2-135m', AgentSpec(id='a', nickname='A', provider='local:smollm2-135m'))\n"
        "request = ChatRequest((ChatMessage('user', 'Hi'),), GenerationParams(max_tokens=4))\n"
        "async def main():\n"
        "    return [item async for item in provider.stream(request)]\n"
        "assert asyncio.run(main())\n"
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


def test_a_copy_of_the_file_elsewhere_shares_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache belongs to the bytes: a new virtual environment's copy of the embedded
    model finds the conversion the old one made."""
    monkeypatch.setenv("CONVSCOPE_CACHE", str(tmp_path / "cache"))
    first, copy = tmp_path / "one" / "tiny.gguf", tmp_path / "two" / "tiny.gguf"
    for path in (first, copy):
        path.parent.mkdir()
        path.write_bytes(b"GGUF the same weights")

    assert cache_dir(resolve_source(str(copy))) == cache_dir(resolve_source(str(first)))
    assert onnx_dir(resolve_source(str(copy))) == onnx_dir(resolve_source(str(first)))


def test_a_files_digest_is_remembered_in_the_cache_not_hashed_by_every_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVSCOPE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "big.gguf").write_bytes(b"GGUF as if several gigabytes")
    source = resolve_source(str(tmp_path / "big.gguf"))
    first = cache_dir(source)
    local_sources._content_digest.cache_clear()  # as a new process would start

    def no_hashing(*_: object) -> None:
        raise AssertionError("the file was hashed again")

    monkeypatch.setattr(local_sources.hashlib, "file_digest", no_hashing)

    assert cache_dir(source) == first
    assert len(list((tmp_path / "cache" / "models" / ".digests").iterdir())) == 1


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
    models = tmp_path / "cache" / "models"
    # no model and no half-written one; only the cache's bookkeeping (.locks, .digests)
    assert not models.exists() or all(entry.name in {".locks", ".digests"} for entry in models.iterdir())


def test_a_file_that_is_no_gguf_is_refused_before_any_conversion_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVSCOPE_CACHE", str(tmp_path / "cache"))
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(64))  # version 0

    def no_conversion(gguf: Path, folder: Path) -> None:
        raise AssertionError("a conversion was started")

    monkeypatch.setattr(local_conversion, "_run_child", no_conversion)
    with pytest.raises(RuntimeError, match=r"broken\.gguf is not a GGUF file"):
        local_conversion.converted_folder(resolve_source(str(broken)))
