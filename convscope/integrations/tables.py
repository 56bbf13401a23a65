"""Sessions as two Arrow tables, one row per turn and one row per metric value (long format).

Both the Parquet export and the pandas frames are built from these, so a notebook and a
Parquet reader see the same columns. Metric keys are the keys of the session's metrics
points as they are (``rouge1``, ``loop.detected``, ``behaviour.ARCH``...): the catalogue that
names them is the tracker's, not this module's.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from convscope.sessions.export import flat_values
from convscope.sessions.schema import SessionDocument

_TIME = pa.timestamp("us", tz="UTC")

TURNS_SCHEMA = pa.schema(
    [
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("turn_index", pa.int64(), nullable=False),
        pa.field("round", pa.int64(), nullable=False),
        pa.field("agent_id", pa.string(), nullable=False),
        pa.field("nickname", pa.string(), nullable=False),  # the name the agent had at that turn
        pa.field("model", pa.string(), nullable=False),  # the provider spec
        pa.field("phase", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("failed", pa.bool_(), nullable=False),
        pa.field("error", pa.string()),
        pa.field("error_kind", pa.string()),
        pa.field("prompt_tokens", pa.int64()),
        pa.field("completion_tokens", pa.int64()),
        pa.field("retries", pa.int64(), nullable=False),
        pa.field("started_at", _TIME, nullable=False),
        pa.field("ended_at", _TIME, nullable=False),
        # a branch's parent and the turn it branched at (``convscope fork``); null for other sessions
        pa.field("parent_session_id", pa.string()),
        pa.field("branch_turn_index", pa.int64()),
        pa.field("human", pa.bool_(), nullable=False),  # a person's message, not an agent's turn
        pa.field("addressed_to", pa.string()),  # the agent id a person's message was for; null: all
        pa.field("cut_by", pa.string()),  # what cut the turn short: a time limit, or "interrupt"
    ]
)

METRICS_SCHEMA = pa.schema(
    [
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("turn_index", pa.int64()),  # null: the snapshot taken when the round ended
        pa.field("round", pa.int64(), nullable=False),
        pa.field("key", pa.string(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
    ]
)


SESSIONS_SCHEMA = pa.schema(
    [
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("protocol", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("created_at", _TIME, nullable=False),
        pa.field("updated_at", _TIME, nullable=False),
        pa.field("rounds", pa.int64(), nullable=False),
        pa.field("agents", pa.int64(), nullable=False),
        pa.field("turns", pa.int64(), nullable=False),
        pa.field("failed_turns", pa.int64(), nullable=False),
        pa.field("interventions", pa.int64(), nullable=False),
    ]
)


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)


def sessions_table(documents: Iterable[SessionDocument]) -> pa.Table:
    """One row per session, then a ``provenance.<key>`` column for every plain value at the
    top of a session's provenance (an import's ``series``, ``run``, ``importer``...)."""
    rows = []
    for document in documents:
        row: dict[str, object] = {
            "session_id": document.id,
            "title": document.config.title,
            "protocol": document.config.protocol,
            "status": document.status,
            "created_at": _micros(document.created_at),
            "updated_at": _micros(document.updated_at),
            "rounds": document.config.rounds,
            "agents": len(document.config.agents),
            "turns": len(document.turns),
            "failed_turns": sum(turn.failed for turn in document.turns),
            "interventions": len(document.controls),
        }
        for key, value in (document.provenance or {}).items():
            if isinstance(value, str | int | float | bool):
                row[f"provenance.{key}"] = value
        rows.append(row)
    extra = list(dict.fromkeys(key for row in rows for key in row if key not in SESSIONS_SCHEMA.names))
    columns = {name: [row.get(name) for row in rows] for name in [*SESSIONS_SCHEMA.names, *extra]}
    schema = SESSIONS_SCHEMA
    for name in extra:
        schema = schema.append(pa.field(name, pa.array(columns[name]).type))
    return pa.table(columns, schema=schema)


def turns_table(documents: Iterable[SessionDocument]) -> pa.Table:
    """Every turn of every session, in session then turn order."""
    rows = [
        (
            document.id,
            turn.index,
            turn.round,
            turn.agent_id,
            turn.nickname,
            turn.model,
            turn.phase,
            turn.text,
            turn.failed,
            turn.error,
            turn.error_kind,
            turn.prompt_tokens,
            turn.completion_tokens,
            turn.retries,
            _micros(turn.started_at),
            _micros(turn.ended_at),
            document.parent.session_id if document.parent else None,
            document.parent.at_turn if document.parent else None,
            turn.human,
            turn.to,
            turn.cut_by,
        )
        for document in documents
        for turn in document.turns
    ]
    columns = list(zip(*rows, strict=True)) or [() for _ in TURNS_SCHEMA.names]
    return pa.table(dict(zip(TURNS_SCHEMA.names, map(list, columns), strict=True)), schema=TURNS_SCHEMA)


def metrics_table(documents: Iterable[SessionDocument]) -> pa.Table:
    """Every numeric metric value of every session: the points the session saved live, or,
    for a session that saved none (an imported one), the points its protocol's tracker
    computes from its turns. Flags count as 0/1; text and missing values are left out."""
    from convscope.plotdata.points import session_points  # the trackers: only for metrics

    columns: dict[str, list[object]] = {name: [] for name in METRICS_SCHEMA.names}
    for document in documents:
        for point in session_points(document):
            for key, value in flat_values(point.values):
                if value is None or isinstance(value, str):
                    continue
                columns["session_id"].append(document.id)
                columns["turn_index"].append(point.turn_index)
                columns["round"].append(point.round)
                columns["key"].append(key)
                columns["value"].append(float(value))
    return pa.table(columns, schema=METRICS_SCHEMA)
