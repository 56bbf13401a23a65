"""Per-turn sampling seeds: one agent's turns differ, a re-run with the same session seed repeats."""

from __future__ import annotations

from collections.abc import AsyncIterator

from convscope.core.agents import AgentSpec, GenerationParams
from convscope.core.engine import Engine
from convscope.core.providers.base import ChatRequest, Provider, StreamItem
from convscope.core.seeds import turn_params, turn_seed
from tests.core.engine_support import scripted_config

ADA = AgentSpec(id="ada", nickname="Ada", provider="local:smollm2-135m")


def test_one_agents_turns_get_different_seeds() -> None:
    seeds = {turn_seed(7, ADA, index) for index in range(100)}

    assert len(seeds) == 100


def test_the_same_session_seed_agent_and_turn_give_the_same_seed() -> None:
    assert turn_seed(7, ADA, 12) == turn_seed(7, ADA.model_copy(), 12)


def test_the_session_seed_the_agent_and_the_agents_own_seed_each_change_the_turns_seed() -> None:
    reference = turn_seed(7, ADA, 3)
    other_agent = ADA.model_copy(update={"id": "bo"})
    own_seed = ADA.model_copy(update={"params": GenerationParams(seed=1)})

    variants = {turn_seed(8, ADA, 3), turn_seed(7, other_agent, 3), turn_seed(7, own_seed, 3)}
    assert len(variants | {reference}) == 4


def test_seeds_fit_a_signed_32_bit_integer() -> None:
    assert all(0 <= turn_seed(session, ADA, index) < 2**31 for session in range(20) for index in range(50))


def test_turn_params_keep_the_agents_sampling_and_set_the_turns_seed() -> None:
    own = GenerationParams(temperature=0.3, top_p=0.9, max_tokens=12, seed=5)
    agent = ADA.model_copy(update={"params": own})

    params = turn_params(7, agent, 4)

    assert params == GenerationParams(temperature=0.3, top_p=0.9, max_tokens=12, seed=turn_seed(7, agent, 4))


class _SeedRecorder:
    name = "seeds"

    def __init__(self) -> None:
        self.seeds: list[int | None] = []

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        self.seeds.append(request.params.seed)
        yield "ok"


async def test_the_engine_gives_each_turn_its_own_seed_and_a_rerun_the_same_ones() -> None:
    async def run(session_seed: int) -> list[int | None]:
        recorder = _SeedRecorder()

        def factory(agent: AgentSpec, failure: str | None, seed: int) -> Provider:
            return recorder

        config = scripted_config("x", "y", rounds=3).model_copy(update={"seed": session_seed})
        await Engine(config, provider_factory=factory).run()
        return recorder.seeds

    first, again, other = await run(7), await run(7), await run(8)

    agents = scripted_config("x", "y").agents
    assert first == [turn_seed(7, agents[index % 2], index) for index in range(6)]
    assert len(set(first)) == 6
    assert again == first
    assert other != first
