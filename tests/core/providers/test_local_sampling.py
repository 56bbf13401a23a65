"""Choosing the next token from logits: greedy, seeded sampling, the nucleus, the repetition penalty."""

from __future__ import annotations

import numpy as np

from convscope.core.agents import GenerationParams
from convscope.core.providers.local_sampling import TokenSampler

VOCAB = 1000


def logits(rng_seed: int = 0) -> np.ndarray:
    return np.random.default_rng(rng_seed).normal(size=VOCAB).astype(np.float32) * 3


def draws(params: GenerationParams, count: int = 30, prompt: tuple[int, ...] = ()) -> list[int]:
    sampler = TokenSampler(params, prompt)
    return [sampler.choose(logits(step)) for step in range(count)]


def test_temperature_zero_is_greedy() -> None:
    assert draws(GenerationParams(temperature=0, seed=1)) == [int(np.argmax(logits(s))) for s in range(30)]


def test_the_same_seed_draws_the_same_tokens_and_another_seed_others() -> None:
    sampled = GenerationParams(temperature=1.0, seed=5)

    assert draws(sampled) == draws(sampled)
    assert draws(sampled) != draws(sampled.model_copy(update={"seed": 6}))


def test_top_p_draws_only_from_the_smallest_set_holding_that_mass() -> None:
    peaked = np.full(VOCAB, -10.0, dtype=np.float32)
    peaked[[3, 7, 9]] = [5.0, 4.0, 1.0]  # 3 and 7 hold about 0.97 of the mass
    sampler = TokenSampler(GenerationParams(temperature=1.0, top_p=0.9, seed=0), ())

    chosen = {sampler.choose(peaked) for _ in range(300)}

    assert chosen == {3, 7}


def test_top_p_over_a_flat_distribution_still_draws_from_the_whole_nucleus() -> None:
    flat = np.zeros(VOCAB, dtype=np.float32)
    sampler = TokenSampler(GenerationParams(temperature=1.0, top_p=0.99, seed=0), ())

    chosen = {sampler.choose(flat) for _ in range(3000)}

    assert len(chosen) > 900  # no token was left out by the fast path


def test_draws_follow_the_softened_probabilities() -> None:
    scores = np.full(VOCAB, -30.0, dtype=np.float32)
    scores[[4, 5, 6]] = np.log([0.6, 0.3, 0.1])
    sampler = TokenSampler(GenerationParams(temperature=1.0, seed=3), ())

    chosen = [sampler.choose(scores) for _ in range(4000)]

    shares = [chosen.count(token) / len(chosen) for token in (4, 5, 6)]
    assert np.allclose(shares, [0.6, 0.3, 0.1], atol=0.03)


def test_the_long_tail_is_drawn_as_often_as_its_mass_says() -> None:
    scores = np.full(VOCAB, -10.0, dtype=np.float32)  # each far below the floor, 4 % of the mass together
    scores[0] = 0.0
    sampler = TokenSampler(GenerationParams(temperature=1.0, seed=4), ())

    chosen = [sampler.choose(scores) for _ in range(4000)]

    tail_mass = (VOCAB - 1) * np.exp(-10.0) / (1 + (VOCAB - 1) * np.exp(-10.0))
    assert abs(sum(token != 0 for token in chosen) / len(chosen) - tail_mass) < 0.015
    assert len(set(chosen)) > 100


def test_the_repetition_penalty_steers_greedy_decoding_away_from_seen_tokens() -> None:
    scores = np.zeros(VOCAB, dtype=np.float32)
    scores[[1, 2]] = [2.0, 1.9]
    plain = TokenSampler(GenerationParams(temperature=0, seed=0), prompt_ids=[1])
    penalised = TokenSampler(GenerationParams(temperature=0, repetition_penalty=1.3, seed=0), prompt_ids=[1])

    assert plain.choose(scores) == 1
    assert penalised.choose(scores) == 2  # 1 was in the prompt: 2.0 / 1.3 < 1.9
    assert penalised.choose(scores) == 1  # now 2 is seen too, and 1.9 / 1.3 < 2.0 / 1.3
