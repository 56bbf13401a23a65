"""The sampling seed of each turn, derived here and nowhere else.

A provider given the same seed twice draws the same random numbers twice: with one fixed
seed per agent, a small model says the same thing every turn. So every turn gets its own
seed, a hash of the session's seed, the agent (its id and its own ``seed``, if set) and
the turn's index: re-running a session with the same seed replays the same text, while
one agent's successive turns draw different samples. The turn index is the transcript's,
so a resumed session draws what an uninterrupted one would have.
"""

from __future__ import annotations

import hashlib

from convscope.core.agents import AgentSpec, GenerationParams

# Kept below 2**31: every backend takes a signed 32-bit seed (torch, onnxruntime-genai, OpenAI).
_SEED_BITS = 31


def turn_seed(session_seed: int, agent: AgentSpec, turn_index: int) -> int:
    """The seed of ``agent``'s turn number ``turn_index`` in a session seeded ``session_seed``."""
    identity = f"{session_seed}\0{agent.id}\0{agent.params.seed}\0{turn_index}"
    digest = hashlib.sha256(identity.encode()).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - _SEED_BITS)


def turn_params(session_seed: int, agent: AgentSpec, turn_index: int) -> GenerationParams:
    """``agent``'s sampling parameters for one turn: its own, with the turn's seed."""
    return agent.params.model_copy(update={"seed": turn_seed(session_seed, agent, turn_index)})
