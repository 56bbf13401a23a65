"""Behaviour profiles, their similarity and the any-trait share, by hand."""

from __future__ import annotations

import math

import pytest

from convscope.core.metrics.behaviour import BehaviourCodes
from convscope.core.metrics.profile import any_trait_share, behaviour_profile, profile_similarity, profiles


def codes(*flags: str) -> BehaviourCodes:
    result: BehaviourCodes = dict.fromkeys(("PHATIC", "META", "LEAD", "ARCH", "AGREE", "COMP"), False)
    result.update(dict.fromkeys(flags, True))
    return result


def test_a_profile_is_the_share_of_messages_with_each_trait_flag_in_codebook_order() -> None:
    messages = [codes("PHATIC"), codes("ARCH", "LEAD"), codes("ARCH"), codes("COMP")]
    assert behaviour_profile(messages) == [0.25, 0.0, 0.25, 0.5, 0.0]  # COMP is not a trait


def test_profile_similarity_is_the_mean_pairwise_cosine() -> None:
    similarity = profile_similarity({"a": [1, 0, 0, 0, 0], "b": [1, 1, 0, 0, 0], "c": [0, 1, 0, 0, 0]})
    assert similarity == pytest.approx((1 / math.sqrt(2) + 0 + 1 / math.sqrt(2)) / 3)


def test_all_zero_profiles_are_skipped_not_counted_as_dissimilar() -> None:
    with_silent = {"a": [0.5, 0.0, 0.0, 0.5, 0.0], "b": [0.5, 0.0, 0.0, 0.5, 0.0], "quiet": [0.0] * 5}
    assert profile_similarity(with_silent) == pytest.approx(1.0)
    assert profile_similarity({"a": [0.2, 0, 0, 0, 0], "quiet": [0, 0, 0, 0, 0]}) is None


def test_identical_behaviour_gives_similarity_one_and_orthogonal_behaviour_zero() -> None:
    same = profiles({"a": [codes("ARCH"), codes("LEAD")], "b": [codes("LEAD"), codes("ARCH")]})
    assert profile_similarity(same) == pytest.approx(1.0)
    apart = profiles({"a": [codes("ARCH")], "b": [codes("PHATIC")]})
    assert profile_similarity(apart) == 0.0


def test_agents_without_messages_have_no_profile() -> None:
    assert profiles({"a": [codes("ARCH")], "silent": []}) == {"a": [0.0, 0.0, 0.0, 1.0, 0.0]}


def test_any_trait_share_counts_messages_with_at_least_one_trait() -> None:
    assert any_trait_share([codes("ARCH", "META"), codes("COMP"), codes(), codes("AGREE")]) == 0.5
    assert any_trait_share([]) is None
