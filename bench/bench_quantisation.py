"""How to quantise the embedded model for onnxruntime-genai: speed against fidelity, per variant.

    .venv/bin/python bench/bench_quantisation.py [--variants int8:64 int4:32 ...] [--tokens N]

Each variant (precision:block size) is built once by onnxruntime-genai's model builder from
the cached dequantised weights, into ``$CONVSCOPE_CACHE/bench-quantisation/``, next to a
float32 build that is the reference (it gives the transformers reference's text exactly).
Speed is decoding tokens per second of one greedy stream on one thread, counted in the
thread's CPU time: the machine is shared, and CPU time is what the other jobs disturb least.
Fidelity is teacher-forced against the float32 build on two 200-token greedy replies (a
greedy text flips at the first near-tie, so comparing texts says little): top-1 is how often
the variant's most likely token is the reference's, KL the mean divergence from it.
One JSON line per variant.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime_genai as og

from convscope.core.environment import cache_root
from convscope.core.providers.local_sources import cache_dir, resolve_source

SYSTEM = "You are Agent-A in a group chat.\nOther agents: Agent-B, Agent-C"
PROMPTS = (
    "Write a long story about a lighthouse keeper and a storm, with many details.",
    "We are planning a picnic for Saturday. What should we bring, and who carries what?",
)
REPLY_TOKENS = 200
Ids = npt.NDArray[np.int32]


def build(variant: str) -> Path:
    """The variant's model folder, built (once) from the cached dequantised weights."""
    precision, _, block = variant.partition(":")
    folder = cache_root() / "bench-quantisation" / variant.replace(":", "-b")
    if not (folder / "genai_config.json").is_file():
        weights = cache_dir(resolve_source("smollm2-135m"))  # made by any first use of the transformers path
        command = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(weights)]
        command += ["-o", str(folder), "-c", str(folder.parent / "scratch"), "-p", precision, "-e", "cpu"]
        if block:
            command += ["--extra_options", f"block_size={block}"]
        subprocess.run(command, check=True, capture_output=True)
    return folder


def load(folder: Path) -> tuple[og.Model, og.Tokenizer]:
    config = og.Config(str(folder))
    config.clear_providers()
    threads = {"intra_op_num_threads": 1, "inter_op_num_threads": 1}
    config.overlay(json.dumps({"model": {"decoder": {"session_options": threads}}}))
    model = og.Model(config)
    return model, og.Tokenizer(model)


def prompt_ids(tokenizer: og.Tokenizer, prompt: str) -> Ids:
    chat = json.dumps([{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}])
    return np.asarray(tokenizer.encode(tokenizer.apply_chat_template(chat, add_generation_prompt=True)))


def generator(model: og.Model, ids: Ids, new_tokens: int) -> og.Generator:
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=len(ids) + new_tokens + 1, do_sample=False)
    made = og.Generator(model, params)
    made.append_tokens(ids)
    return made


def greedy(model: og.Model, ids: Ids, new_tokens: int) -> tuple[list[int], float]:
    """The greedy reply, and its decoding tokens/s in CPU time (prefill excluded)."""
    running = generator(model, ids, new_tokens)
    reply: list[int] = []
    started = 0.0
    while len(reply) < new_tokens:
        reply.append(int(np.argmax(np.asarray(running.get_logits()).reshape(-1))))
        running.append_tokens(np.array(reply[-1:], dtype=np.int32))
        if len(reply) == 1:
            started = time.thread_time()
    return reply, (new_tokens - 1) / (time.thread_time() - started)


def forced_log_probs(model: og.Model, ids: Ids, reply: list[int]) -> npt.NDArray[np.float64]:
    """The model's log-probabilities at each step of ``reply``, fed the reply's own tokens."""
    running = generator(model, ids, len(reply))
    rows = []
    for token in reply:
        rows.append(np.asarray(running.get_logits()).reshape(-1).astype(np.float64))
        running.append_tokens(np.array([token], dtype=np.int32))
    logits = np.stack(rows)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs: npt.NDArray[np.float64] = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return log_probs


def main() -> None:
    parser = argparse.ArgumentParser()
    variants = ["int8:32", "int8:64", "int8:128", "int4:32", "int4:128"]
    parser.add_argument("--variants", nargs="+", default=variants)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    reference, tokenizer = load(build("fp32"))
    references = []
    for prompt in PROMPTS:
        ids = prompt_ids(tokenizer, prompt)
        reply, _ = greedy(reference, ids, REPLY_TOKENS)
        references.append((ids, reply, forced_log_probs(reference, ids, reply)))
    del reference

    for variant in args.variants:
        model, tokenizer = load(build(variant))
        ids = prompt_ids(tokenizer, PROMPTS[0])
        greedy(model, ids, 8)  # warm-up
        speed = statistics.median(greedy(model, ids, args.tokens)[1] for _ in range(args.repeats))
        top1, kl = [], []
        for ids, reply, wanted in references:
            got = forced_log_probs(model, ids, reply)
            top1.append(float(np.mean(got.argmax(axis=1) == wanted.argmax(axis=1))))
            kl.append(float(np.mean((np.exp(wanted) * (wanted - got)).sum(axis=1))))
        figures = {"variant": variant, "decode_cpu_tokens_per_s": round(speed, 1)}
        figures |= {"top1_agreement": round(statistics.mean(top1), 3), "kl": round(statistics.mean(kl), 4)}
        print(json.dumps(figures | {"loadavg": [round(x, 2) for x in os.getloadavg()]}), flush=True)


if __name__ == "__main__":
    main()
