"""What a protocol's sessions measure on top of what every session measures (ROUGE between
agents, confidence, loops, stability): declared by the protocol, read by everything that
measures a session (the live tracker, replay, ``analyze``, reports, sweep CSVs), so that no
consumer decides it on its own and they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convscope.core.records import Turn


@dataclass(frozen=True)
class Measures:
    # Code the War Room paper's chat roles (PHATIC, LEAD, COMP...) in every turn: its codebook is about
    # group chats, and means nothing in a relay or a coding panel.
    behaviour: bool = False
    # Turns of these phases are the protocol's memory, not its output: they are left out of
    # every measure (a coding panel's one-sentence summaries), so ROUGE compares code with code.
    unmeasured_phases: frozenset[str] = field(default_factory=frozenset)
    # A sweep reports the share of its sessions that fell into a loop (the relay paper's question,
    # asked of relays).
    loop_share: bool = False

    def measured(self, turn: Turn) -> bool:
        """Whether ``turn`` counts in the measures (its identity is recorded either way): a
        person's message never does, since the measures are about the agents."""
        return not turn.human and turn.phase not in self.unmeasured_phases
