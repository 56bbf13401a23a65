"""How simultaneous jobs are grouped into the fast runtime's batches: padding against batching."""

from __future__ import annotations

from convscope.core.providers.local_onnx import padding_groups

CONTEXT = 8192


def test_jobs_of_one_length_run_as_one_batch() -> None:
    assert padding_groups([(70, 128)] * 8, CONTEXT) == [list(range(8))]


def test_a_network_round_of_short_and_long_prompts_runs_as_batches_of_similar_lengths() -> None:
    # The prompt lengths of network-local's second round (6 agents, 48 new tokens each).
    shapes = [(259, 48), (403, 48), (218, 48), (313, 48), (273, 48), (201, 48)]

    groups = padding_groups(shapes, CONTEXT)

    assert sorted(index for group in groups for index in group) == list(range(6))
    assert len(groups) == 2
    lengths = [sorted(shapes[index][0] for index in group) for group in groups]
    assert max(lengths[0]) < min(lengths[1])  # the short prompts together, the long ones together


def test_two_jobs_that_together_outgrow_the_context_never_share_a_batch() -> None:
    groups = padding_groups([(4000, 100), (50, 100), (4100, 100)], 4150)

    assert all(not ({0, 2} <= set(group)) for group in groups)
    assert sorted(index for group in groups for index in group) == [0, 1, 2]
