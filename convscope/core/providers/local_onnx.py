"""The fast runtime: a converted model on onnxruntime-genai, simultaneous turns in one batch.

Measured on 2 cores against transformers in float32 (bench/bench_local.py): several times
the decoding speed on one stream, and a batch of simultaneous turns decodes several times
more tokens per second than one. No torch at run time: the session's process loads the
converted folder in about 0.3 s.

Each row of a batch samples its own tokens (local_sampling.py) and the chosen tokens are
handed back to the generator as logits that allow nothing else; onnxruntime-genai then only
runs the model. Rows start together (its CPU batches are static): a job that arrives while
a batch runs waits for the next one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime_genai as og
from tokenizers import Tokenizer

from convscope.core.providers.base import ChatMessage, ProviderError, Usage
from convscope.core.providers.local_context import fit_to_context, prompt_budget
from convscope.core.providers.local_runtime import Job
from convscope.core.providers.local_sampling import TokenSampler
from convscope.core.threads import inference_threads

# Eight rows at once gave 2.4-3x the tokens per second of one row on 2 busy cores
# (bench/bench_local.py); the engine runs at most 8 turns of one provider at once by default.
MAX_BATCH = 8


class OnnxPromptTokenizer:
    """The model's tokenizer as the context cut needs it, without transformers or torch."""

    def __init__(self, tokenizer: og.Tokenizer, folder: Path) -> None:
        self._tokenizer = tokenizer
        self._offsets = Tokenizer.from_file(str(folder / "tokenizer.json"))

    def prompt(self, messages: tuple[ChatMessage, ...]) -> str:
        chat = json.dumps([{"role": m.role, "content": m.content} for m in messages])
        return str(self._tokenizer.apply_chat_template(chat, add_generation_prompt=True))

    def prompt_length(self, messages: tuple[ChatMessage, ...]) -> int:
        return len(self._tokenizer.encode(self.prompt(messages)))

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return list(self._offsets.encode(text, add_special_tokens=False).offsets)


@dataclass
class _Row:
    """One job's place in a batch."""

    job: Job
    prompt: str
    prompt_tokens: int
    sampler: TokenSampler
    stream: og.TokenizerStream
    generated: int = 0

    @property
    def budget(self) -> int:
        return self.job.request.params.max_tokens


class OnnxRuntime:
    """A converted model folder, loaded for CPU inference."""

    name = "onnxruntime-genai"
    max_batch = MAX_BATCH

    def __init__(self, folder: Path) -> None:
        started = time.perf_counter()
        config = og.Config(str(folder))
        config.clear_providers()
        threads = {"intra_op_num_threads": inference_threads(), "inter_op_num_threads": 1}
        config.overlay(json.dumps({"model": {"decoder": {"session_options": threads}}}))
        self.model = og.Model(config)
        self.tokenizer = og.Tokenizer(self.model)
        self.prompts = OnnxPromptTokenizer(self.tokenizer, folder)
        settings = json.loads((folder / "genai_config.json").read_text())["model"]
        self.context = int(settings["context_length"])
        self._end_tokens = {int(token) for token in self.tokenizer.eos_token_ids}
        self._idle_token = min(self._end_tokens)  # what an ended row is fed until its batch ends
        self.load_seconds = time.perf_counter() - started

    def generate(self, jobs: Sequence[Job]) -> None:
        rows = [row for job in jobs if (row := self._prepare(job)) is not None]
        for batch in _fitting_batches(rows, self.context):
            self._run(batch)

    def _prepare(self, job: Job) -> _Row | None:
        """The job's prompt, cut to the context; None (the job failed) if it cannot be."""
        try:
            budget = prompt_budget(self.context, job.request.params.max_tokens)
            prompt = self.prompts.prompt(fit_to_context(self.prompts, job.request.messages, budget))
        except ProviderError as error:
            job.fail(error)
            return None
        ids = self.tokenizer.encode(prompt)
        sampler = TokenSampler(job.request.params, ids)
        return _Row(job, prompt, len(ids), sampler, self.tokenizer.create_stream())

    def _run(self, rows: list[_Row]) -> None:
        params = og.GeneratorParams(self.model)
        longest = max(row.prompt_tokens for row in rows) + max(row.budget for row in rows)
        params.set_search_options(max_length=longest, do_sample=False, batch_size=len(rows))
        generator = og.Generator(self.model, params)
        generator.append_tokens(self.tokenizer.encode_batch([row.prompt for row in rows]))
        while True:
            logits = np.asarray(generator.get_logits()).reshape(len(rows), -1)
            chosen = [self._step(row, scores) for row, scores in zip(rows, logits, strict=True)]
            if all(row.job.ended for row in rows):
                return
            if len(rows) == 1:  # one row may simply be appended to: cheaper than forcing logits
                generator.append_tokens(np.array(chosen, dtype=np.int32))
                continue
            forced = np.full_like(logits, -np.inf)
            forced[np.arange(len(rows)), chosen] = 0.0
            generator.set_logits(forced.reshape(len(rows), 1, -1))
            generator.generate_next_token()

    def _step(self, row: _Row, scores: np.ndarray) -> int:
        """Choose the row's next token and stream it; returns the token to feed the model
        (an end token once the row has ended, so that it idles until the batch is done)."""
        if row.job.ended:
            return self._idle_token
        if row.job.stop.is_set():
            row.job.finish(self._usage(row))
            return self._idle_token
        token = row.sampler.choose(scores)
        if token in self._end_tokens:
            row.job.finish(self._usage(row))
            return self._idle_token
        row.generated += 1
        if piece := row.stream.decode(token):
            row.job.text(piece)
        if row.generated >= row.budget:
            row.job.finish(self._usage(row))
        return token

    @staticmethod
    def _usage(row: _Row) -> Usage:
        return Usage(prompt_tokens=row.prompt_tokens, completion_tokens=row.generated)


def _fitting_batches(rows: list[_Row], context: int) -> list[list[_Row]]:
    """``rows`` in order, split where a batch's longest prompt plus its largest max_tokens
    would outgrow the context (a batch's rows share one length)."""
    batches: list[list[_Row]] = []
    for row in rows:
        current = batches[-1] if batches else []
        grown = [*current, row]
        if current and max(r.prompt_tokens for r in grown) + max(r.budget for r in grown) <= context:
            current.append(row)
        else:
            batches.append([row])
    return batches
