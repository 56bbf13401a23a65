"""The optional toxicity scorer, on real tiny classifiers whose outputs are known."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from convscope.core.environment import TOXICITY_MODEL_ENV
from convscope.core.metrics.toxicity import (
    ToxicityModelError,
    ToxicityScorer,
    load_toxicity_scorer,
    readable_length,
    toxic_label,
)
from tests.support.classifier import (
    save_classifier,
    save_corrupt_classifier,
    save_encoder,
    save_headless_classifier,
    save_misfit_classifier,
    save_roberta_classifier,
)
from tests.support.imports import imported_by

TOXIC_BERT_LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
TEXTS = [
    "you are an idiot",
    "what a stupid plan",
    "thanks for the help",
    "have a nice day you",
    "idiot",
    "",
]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def loaded(folder: Path | None) -> ToxicityScorer:
    scorer = load_toxicity_scorer(folder)
    assert isinstance(scorer, ToxicityScorer), scorer
    return scorer


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["non-toxic", "toxic"], 1),
        (["TOXIC", "NOT_TOXIC"], 0),
        (["neutral", "toxic"], 1),
        (["not toxic", "Toxicity"], 1),
        (TOXIC_BERT_LABELS, 0),
        (["LABEL_0", "LABEL_1"], 1),
    ],
)
def test_the_toxic_label_is_found_by_its_name_or_is_label_1_of_an_unnamed_pair(
    labels: list[str], expected: int
) -> None:
    assert toxic_label(dict(enumerate(labels))) == expected


@pytest.mark.parametrize(
    "labels", [["positive", "negative"], ["LABEL_0", "LABEL_1", "LABEL_2"], ["toxic", "TOXIC"]]
)
def test_labels_that_do_not_name_one_toxic_label_are_refused_with_their_names(labels: list[str]) -> None:
    with pytest.raises(ToxicityModelError, match=labels[1]):
        toxic_label(dict(enumerate(labels)))


@pytest.mark.parametrize(
    ("labels", "score"),
    [(["non-toxic", "toxic"], 1 / (1 + math.exp(-5))), (["toxic", "non-toxic"], 1 / (1 + math.exp(5)))],
)
def test_the_score_is_the_probability_of_the_label_named_toxic(
    tmp_path: Path, labels: list[str], score: float
) -> None:
    scorer = loaded(save_classifier(tmp_path / "model", labels, bias=[0.0, 5.0]))
    assert scorer.score(["you are an idiot", "thanks"]) == pytest.approx([score, score])


@pytest.mark.parametrize(
    ("problem_type", "score"),
    [("multi_label_classification", sigmoid(2.0)), ("single_label_classification", 1 / 6)],
)
def test_multi_label_models_get_a_sigmoid_and_single_label_models_a_softmax(
    tmp_path: Path, problem_type: str, score: float
) -> None:
    folder = save_classifier(tmp_path / "model", TOXIC_BERT_LABELS, bias=[2.0] * 6, problem_type=problem_type)
    assert loaded(folder).score(["what a stupid plan"]) == pytest.approx([score])


def test_a_one_label_model_gets_a_sigmoid_not_a_softmax_that_is_always_1(tmp_path: Path) -> None:
    scorer = loaded(save_classifier(tmp_path / "model", ["toxic"], bias=[-1.0]))
    assert scorer.score(["idiot"]) == pytest.approx([sigmoid(-1.0)])


def test_batched_scores_are_the_one_by_one_scores_and_lie_in_0_1(tmp_path: Path) -> None:
    scorer = ToxicityScorer(save_classifier(tmp_path / "model", ["non-toxic", "toxic"]), batch_size=4)
    batched = scorer.score(TEXTS)
    one_by_one = [scorer.score([text])[0] for text in TEXTS]
    assert batched == pytest.approx(one_by_one, abs=1e-5)
    assert all(0.0 <= score <= 1.0 for score in batched)
    assert len({round(score, 4) for score in batched}) > 1  # the texts really differ
    assert scorer.score([]) == []


def test_a_text_longer_than_the_model_reads_is_cut_at_its_maximum_length(tmp_path: Path) -> None:
    scorer = loaded(save_classifier(tmp_path / "model", ["non-toxic", "toxic"]))
    assert scorer.max_length == 512
    assert scorer.score(["idiot " * 3000]) == pytest.approx(scorer.score(["idiot " * 600]))


def test_a_roberta_model_reads_two_tokens_fewer_than_its_positions_so_long_texts_still_score(
    tmp_path: Path,
) -> None:
    scorer = loaded(save_roberta_classifier(tmp_path / "model", ["non-toxic", "toxic"]))
    assert scorer.max_length == 512  # of 514 positions, numbered from the padding id 1 + 1
    assert scorer.score(["idiot " * 3000]) == pytest.approx(scorer.score(["idiot " * 100]))


HUGE = 10**30  # what a tokenizer that states no model_max_length reports


@pytest.mark.parametrize(
    ("model_type", "positions", "stated", "expected"),
    [
        ("bert", 512, HUGE, 512),
        ("xlm-roberta", 514, HUGE, 512),
        ("camembert", 514, 256, 256),
        ("longformer", 4098, HUGE, 4096),
        ("no-position-table", None, 128, 128),
    ],
)
def test_the_length_read_is_what_the_tokenizer_states_capped_by_the_positions_text_can_reach(
    model_type: str, positions: int | None, stated: int, expected: int
) -> None:
    config = SimpleNamespace(model_type=model_type, pad_token_id=1)
    if positions is not None:
        config.max_position_embeddings = positions
    assert readable_length(config, stated) == expected


def test_loading_writes_nothing_to_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    folder = save_classifier(tmp_path / "model", ["non-toxic", "toxic"])
    capfd.readouterr()
    loaded(folder).score(["you are an idiot"])
    assert capfd.readouterr().err == ""


def test_without_a_path_or_the_variable_there_is_no_scorer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOXICITY_MODEL_ENV, raising=False)
    assert load_toxicity_scorer() is None
    monkeypatch.setenv(TOXICITY_MODEL_ENV, "")
    assert load_toxicity_scorer() is None


def test_the_variable_names_the_folder_and_a_given_path_wins_over_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = save_classifier(tmp_path / "toxic-model", ["non-toxic", "toxic"])
    monkeypatch.setenv(TOXICITY_MODEL_ENV, str(folder))
    assert loaded(None).name == "toxic-model"
    monkeypatch.setenv(TOXICITY_MODEL_ENV, str(tmp_path / "gone"))
    assert loaded(folder).name == "toxic-model"


def nothing(folder: Path) -> None:
    pass


def empty_folder(folder: Path) -> None:
    folder.mkdir()


def unnamed_labels(folder: Path) -> None:
    save_classifier(folder, ["positive", "negative"])


def without_tokenizer(folder: Path) -> None:
    save_classifier(folder, ["ok", "toxic"])
    for path in folder.glob("tokenizer*"):
        path.unlink()


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (nothing, "no such folder"),
        (empty_folder, "no config.json"),
        (save_encoder, "holds a BertModel, not a text-classification model"),
        (unnamed_labels, "(positive, negative)"),
        (without_tokenizer, "no tokenizer"),
        (save_corrupt_classifier, "Error while deserializing header"),
        (save_misfit_classifier, "does not fit its weights: bert.embeddings.LayerNorm.bias is saved as [32]"),
        (save_headless_classifier, "its weights lack classifier.bias"),
    ],
)
def test_a_folder_that_cannot_score_is_refused_in_one_line_naming_it(
    tmp_path: Path, make: Callable[[Path], object], fragment: str
) -> None:
    folder = tmp_path / "model"
    make(folder)
    with pytest.raises(ToxicityModelError) as refused:
        load_toxicity_scorer(folder)
    reason = str(refused.value)
    assert reason.startswith(f"cannot use {folder} as a toxicity model: ") and fragment in reason
    assert "\n" not in reason


def test_a_path_that_is_no_model_folder_is_refused_before_torch_is_imported(tmp_path: Path) -> None:
    """A mistyped --toxicity-model is refused at once, not after 3 s of importing torch."""
    (tmp_path / "empty").mkdir()
    code = (
        "from convscope.core.metrics.toxicity import ToxicityModelError, load_toxicity_scorer\n"
        f"for path in ({str(tmp_path / 'missing')!r}, {str(tmp_path / 'empty')!r}):\n"
        "    try:\n"
        "        load_toxicity_scorer(path)\n"
        "    except ToxicityModelError:\n"
        "        continue\n"
        "    raise SystemExit(f'{path} was not refused')\n"
    )
    assert imported_by(code, ("torch", "transformers")) == []
