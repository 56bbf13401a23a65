"""The public DataFrame API: sessions as pandas tables for notebooks.

``sessions`` is anything ``convscope.integrations.sources`` accepts: an id, a path, a
folder of sessions, a loaded document, or a list of those.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from convscope.integrations.sources import Sessions, iter_sessions
from convscope.integrations.tables import metrics_table, sessions_table, turns_table


def sessions_frame(sessions: Sessions) -> pd.DataFrame:
    """One row per session: session_id, title, protocol, status, created_at, updated_at,
    rounds, agents, turns, failed_turns, interventions, and ``provenance.<key>`` columns
    (an imported War Room run's ``provenance.series`` and ``provenance.run``) to group by."""
    return _frame(sessions_table(iter_sessions(sessions)))


def turns_frame(sessions: Sessions) -> pd.DataFrame:
    """One row per turn: session_id, turn_index, round, agent_id, nickname (as it was at that
    turn), model, phase, text, failed, error, error_kind, tokens, retries, started_at and
    ended_at (UTC timestamps), parent_session_id and branch_turn_index, human (a person's
    message), addressed_to (the agent it was for) and cut_by ("interrupt" or a time limit)."""
    return _frame(turns_table(iter_sessions(sessions)))


def metrics_frame(sessions: Sessions) -> pd.DataFrame:
    """One row per metric value: session_id, turn_index (missing for the snapshot taken at
    the end of a round), round, key, value. A session that saved no metrics (an imported
    one) is measured from its turns, as ``convscope analyze`` does: about a second a session."""
    return _frame(metrics_table(iter_sessions(sessions)))


def _frame(table: pa.Table) -> pd.DataFrame:
    """Integer columns stay integers where values are missing (tokens, a round's turn_index)."""
    frame: pd.DataFrame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return frame
