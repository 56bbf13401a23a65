"""Models compute with all usable cores but one (torch at every core slowed a busy machine a
lot); a batch of several sequences with every usable core."""

from __future__ import annotations

import pytest
import torch

from convscope.core.metrics.local_models import quiet_offline_loading
from convscope.core.threads import MAX_THREADS, batch_threads, inference_threads


def test_one_core_stays_free_and_at_least_one_thread_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, threads in ((1, 1), (2, 1), (3, 2), (16, MAX_THREADS)):
        monkeypatch.setattr("os.sched_getaffinity", lambda pid, cores=cores: set(range(cores)))
        assert inference_threads() == threads


def test_a_batch_computes_on_every_usable_core_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, threads in ((1, 1), (2, 2), (3, 3), (16, MAX_THREADS)):
        monkeypatch.setattr("os.sched_getaffinity", lambda pid, cores=cores: set(range(cores)))
        assert batch_threads() == threads


def test_loading_a_metric_model_limits_torch_threads_unless_omp_num_threads_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = torch.get_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    try:
        torch.set_num_threads(7)
        with quiet_offline_loading():
            pass
        assert torch.get_num_threads() == inference_threads()

        monkeypatch.setenv("OMP_NUM_THREADS", "3")
        torch.set_num_threads(7)
        with quiet_offline_loading():
            pass
        assert torch.get_num_threads() == 7
    finally:
        torch.set_num_threads(before)
