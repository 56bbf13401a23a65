"""The fast runtime: a converted model on onnxruntime-genai, simultaneous turns in one batch.

Measured on 2 cores against transformers in float32 (bench/bench_local.py): several times
the decoding speed on one stream, and a batch of simultaneous turns decodes several times
more tokens per second than one. No torch at run time: the session's process loads the
converted folder in about 0.3 s.

One row computes on the threads of :func:`inference_threads` (one, on 2 cores). A batch of
several runs on a second session of the same model, loaded with the first batch, with every
usable core and no spinning threads: one row's step is bound by memory (reading the weights),
a batch's by compute, which a second core shares (measured on 2 cores: a network round of
8 agents 1.4x as fast; the text is the same bit for bit).

Each row of a batch samples its own tokens (local_sampling.py) and the chosen tokens are
handed back to the generator as logits that allow nothing else; onnxruntime-genai then only
runs the model. Rows start together (its CPU batches are static): a job that arrives while
a batch runs waits for the next one. Jobs whose prompts differ much in length run as
separate batches, one after the other, when padding them to one length would cost more.
"""

from __future__ import annotations

import json
import logging
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
from convscope.core.threads import batch_threads, inference_threads

logger = logging.getLogger(__name__)

# Eight rows at once gave 3.6-4.3x the tokens per second of one row on 2 quiet cores, 2.6x
# with another process keeping one core busy (bench/bench_local.py; on one thread 2.7-2.9x);
# the engine runs at most 8 turns of one provider at once by default.
MAX_BATCH = 8
# One thread's CPU time for the embedded model, int8 in blocks of 64 (2-core AMD EPYC):
# prompts prefilled at about 480 positions/s (a 371-token prompt 0.77 s with the pruned head,
# 0.95 s without); a decoding step of one row 17 ms, of six rows 35 ms. Only their ratios
# matter: they choose how to group rows.
PREFILL_MS_PER_POSITION = 2.1
STEP_MS = 13.4
STEP_MS_PER_ROW = 3.6


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
        self._folder = folder
        self.model = _load(folder, inference_threads())
        self._batch_model: og.Model | None = None
        self._batch_failed = False
        self.tokenizer = og.Tokenizer(self.model)
        self.prompts = OnnxPromptTokenizer(self.tokenizer, folder)
        settings = json.loads((folder / "genai_config.json").read_text())["model"]
        self.context = int(settings["context_length"])
        self._end_tokens = {int(token) for token in self.tokenizer.eos_token_ids}
        self._idle_token = min(self._end_tokens)  # what an ended row is fed until its batch ends
        self.load_seconds = time.perf_counter() - started

    def generate(self, jobs: Sequence[Job]) -> None:
        rows = [row for job in jobs if (row := self._prepare(job)) is not None]
        shapes = [(row.prompt_tokens, row.budget) for row in rows]
        for group in padding_groups(shapes, self.context):
            self._run([rows[index] for index in group])

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

    def _model_for(self, rows: int) -> og.Model:
        """The model a batch of ``rows`` runs on: one row the first session; several the batch
        session, loaded on the first batch, where it has more threads than the first."""
        if rows == 1 or batch_threads() <= inference_threads() or self._batch_failed:
            return self.model
        if self._batch_model is None:
            try:
                self._batch_model = _load(self._folder, batch_threads(), spinning=False)
            except RuntimeError as error:  # e.g. out of memory: the first session still serves
                logger.warning("batches run on one thread: a second session did not load: %s", error)
                self._batch_failed = True
                return self.model
        return self._batch_model

    def _run(self, rows: list[_Row]) -> None:
        model = self._model_for(len(rows))
        params = og.GeneratorParams(model)
        longest = max(row.prompt_tokens for row in rows) + max(row.budget for row in rows)
        params.set_search_options(max_length=longest, do_sample=False, batch_size=len(rows))
        generator = og.Generator(model, params)
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


def _load(folder: Path, threads: int, spinning: bool = True) -> og.Model:
    """A session of the converted model on the CPU with ``threads`` threads; threads that do
    not spin wait for work asleep, so a core another process needs does not stall them."""
    config = og.Config(str(folder))
    config.clear_providers()
    options: dict[str, object] = {"intra_op_num_threads": threads, "inter_op_num_threads": 1}
    if not spinning:
        options["session.intra_op.allow_spinning"] = "0"
    config.overlay(json.dumps({"model": {"decoder": {"session_options": options}}}))
    return og.Model(config)


def padding_groups(shapes: Sequence[tuple[int, int]], context: int) -> list[list[int]]:
    """The indices of ``shapes`` (each a job's prompt tokens and max new tokens) grouped into
    the batches that cost the least CPU time in all, each within the context (a batch's rows
    share one length: its longest prompt plus its largest max_tokens).

    A batch pads every prompt to its longest: a network round's prompts of 200 to 400 tokens
    took 60 % more prefill in one batch than alone, and prefill was most of the round. Jobs
    of similar lengths go together (the cheapest grouping of the jobs sorted by prompt length,
    by dynamic programming over at most MAX_BATCH jobs); equal lengths stay one batch.
    """
    ordered = sorted(range(len(shapes)), key=lambda index: shapes[index][0])
    best: list[tuple[float, list[list[int]]]] = [(0.0, [])]
    for end in range(1, len(ordered) + 1):
        options = []
        for start in range(end):
            group = ordered[start:end]
            longest, steps = shapes[group[-1]][0], max(shapes[index][1] for index in group)
            if len(group) == 1 or longest + steps <= context:
                cost, groups = best[start]
                options.append((cost + _batch_cost(len(group), longest, steps), [*groups, group]))
        best.append(min(options, key=lambda option: option[0]))
    return best[-1][1]


def _batch_cost(rows: int, longest_prompt: int, steps: int) -> float:
    """Milliseconds of one thread's CPU for a batch (int8, measured with bench/bench_local.py's
    model): prefill is per padded prompt position, a decoding step costs a fixed part plus a
    part per row."""
    return PREFILL_MS_PER_POSITION * rows * longest_prompt + steps * (STEP_MS + STEP_MS_PER_ROW * rows)
