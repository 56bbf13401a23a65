"""The metrics tracker's cost per round and the batch analysis throughput: one JSON line per figure.

    .venv/bin/python bench/bench_metrics.py [--data DIR] [--rounds N] [--every K] [--threads N]

Texts are real War Room messages (``--data``, default ../shared/data/warroom next to the repository), so
lengths and languages are what the tracker meets: mostly French, about 230 words each.
- ``tracker_round_time``: time to observe every turn of one round and close it, for 3, 8
  and 20 agents, with and without embeddings (median and worst over rounds 1..N-1; round 0
  has nothing to compare with). Every text is new, so no embedding comes from a cache (the
  on-disk store goes to a temporary folder). Target: under 250 ms for 20 agents with
  embeddings. ``turn_ms`` is the median cost of one turn: how long after a turn ends its
  metrics reach the sidebar (a live round spreads its turns over the agents' replies).
  The same again with every text cut to its first 40 words, the length of a relay output
  (the relay paper: 50 new tokens).
- ``batch_throughput``: utterances per second of ``session_summary`` (every measure: the
  tracker, stability, self-consistency, behaviour profiles, Kruskal-Wallis) over every K-th
  War Room run imported with the War Room importer, with and without embeddings.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from convscope.core.metrics.embeddings import default_embedder
from convscope.core.metrics.summary import session_summary
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.records import Turn
from convscope.sessions.importers.warroom import WarRoomImporter

SHORT_WORDS = 40


def emit(figure: str, value: float, unit: str, **context: object) -> None:
    """One figure, with the machine's 1-minute load: on 2 shared cores it moves the numbers a lot."""
    load = round(os.getloadavg()[0], 2)
    print(
        json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **context, "load": load}),
        flush=True,
    )


def war_room_texts(files: list[Path]) -> list[str]:
    texts = []
    for path in files:
        raw = json.loads(path.read_text(encoding="utf-8"))
        for message in raw["conversation"]["messages"]:
            if (
                message.get("sender") not in ("user", "system")
                and not message.get("isError")
                and message.get("text")
            ):
                texts.append(message["text"])
    return texts


def round_times(
    texts: list[str], agents: int, rounds: int, *, embeddings: bool
) -> tuple[list[float], list[float]]:
    """The cost of each round after the first, and of each turn in them."""
    tracker = MetricsTracker(semantic=embeddings)
    pool = iter(texts)
    times: list[float] = []
    turn_times: list[float] = []
    index = 0
    for round_index in range(rounds):
        turns = []
        for agent in range(agents):
            turns.append(
                Turn(
                    index=index,
                    round=round_index,
                    agent_id=f"agent-{agent}",
                    nickname=f"Agent-{agent}",
                    model="bench:model",
                    text=next(pool),
                    started_at=0.0,
                    ended_at=0.0,
                )
            )
            index += 1
        start = time.perf_counter()
        for turn in turns:
            observed = time.perf_counter()
            tracker.observe(turn)
            if round_index > 0:
                turn_times.append(time.perf_counter() - observed)
        tracker.end_round(round_index)
        times.append(time.perf_counter() - start)
    return times[1:], turn_times


WARROOM = Path(__file__).resolve().parents[2] / "shared" / "data" / "warroom"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=WARROOM)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument(
        "--every", type=int, default=8, help="analyse every K-th War Room run in the batch figure"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    args = parser.parse_args()
    # Every text must be embedded here, not read back from the user's embedding store.
    with tempfile.TemporaryDirectory(prefix="bench-embeddings-") as store:
        os.environ["CONVSCOPE_EMBEDDING_CACHE"] = store
        measure(args)


def measure(args: argparse.Namespace) -> None:
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    files = sorted(args.data.glob("Transcripts/*/*.json"))
    texts = war_room_texts(files)
    random.Random(0).shuffle(texts)

    start = time.perf_counter()
    default_embedder().encode_one("warm up the model before timing")
    emit("embedding_model_load", time.perf_counter() - start, "s")

    offset = 0
    for words in (None, SHORT_WORDS):
        for embeddings in (False, True):
            for agents in (3, 8, 20):
                needed = agents * args.rounds
                sample = texts[offset : offset + needed]  # fresh texts: nothing cached from a previous run
                offset += needed
                if words is not None:
                    sample = [" ".join(text.split()[:words]) for text in sample]
                times, turn_times = round_times(sample, agents, args.rounds, embeddings=embeddings)
                emit(
                    "tracker_round_time",
                    statistics.median(times) * 1000,
                    "ms",
                    agents=agents,
                    embeddings=embeddings,
                    words=words or "full",
                    worst_ms=round(max(times) * 1000, 3),
                    turn_ms=round(statistics.median(turn_times) * 1000, 3),
                    rounds=len(times),
                )

    importer = WarRoomImporter()
    documents = [importer.read(path).document for path in files[:: args.every]]
    utterances = sum(len(d.turns) for d in documents)
    for embeddings in (False, True):
        start = time.perf_counter()
        for document in documents:
            session_summary(document.config, document.turns, controls=document.controls, semantic=embeddings)
        elapsed = time.perf_counter() - start
        emit(
            "batch_throughput",
            utterances / elapsed,
            "utterances/s",
            embeddings=embeddings,
            sessions=len(documents),
            utterances=utterances,
        )


if __name__ == "__main__":
    main()
