"""Toxicity of messages, from a local Hugging Face text-classification model, when one is given.

No toxicity model ships with convscope and none is ever downloaded: the scorer reads a folder
the person points to (``--toxicity-model DIR`` or ``CONVSCOPE_TOXICITY_MODEL``), for example a
saved copy of ``unitary/toxic-bert`` or ``martin-ha/toxic-comment-model``. Without one there is
no scorer and the summary says why instead of showing a number, so no table shows a toxicity
nobody measured; a folder given but unusable is refused in one line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from convscope.core.environment import TOXICITY_MODEL_ENV, toxicity_model_setting
from convscope.core.errors import ConvscopeError
from convscope.core.metrics.local_models import quiet_offline_loading

NOT_CONFIGURED = f"no model given (--toxicity-model DIR or {TOXICITY_MODEL_ENV})"
TOXIC_NAMES = frozenset({"toxic", "toxicity"})
UNNAMED_LABELS = ["LABEL_0", "LABEL_1"]
THRESHOLD = 0.5
DEFAULT_BATCH_SIZE = 32
# Model types that number positions from pad_token_id + 1 (fairseq's make_positions), so the first
# pad_token_id + 1 rows of their position table are never reached by text: RoBERTa's 514 hold 512.
POSITIONS_AFTER_PADDING = frozenset(
    {
        "camembert",
        "data2vec-text",
        "ibert",
        "longformer",
        "luke",
        "mpnet",
        "roberta",
        "roberta-prelayernorm",
        "xlm-roberta",
        "xlm-roberta-xl",
        "xmod",
    }
)


class ToxicityModelError(ConvscopeError, ValueError):
    """A folder that does not hold a usable toxicity classifier."""


def toxic_label(id2label: Mapping[int, str]) -> int:
    """The index of the label that means toxic: the one named ``toxic`` or ``toxicity`` in any
    case (never ``non-toxic``, ``not toxic`` or ``neutral``). A two-label model left with the
    default names LABEL_0 / LABEL_1 is read as 1 = toxic, the usual order of binary classifiers:
    an assumption, so such a model is better given real label names in its config.json."""
    named = [index for index, name in id2label.items() if name.strip().lower() in TOXIC_NAMES]
    if len(named) == 1:
        return named[0]
    if not named and sorted(id2label.values()) == UNNAMED_LABELS:
        return 1
    labels = ", ".join(id2label[index] for index in sorted(id2label))
    raise ToxicityModelError(f"no single label means toxic among its labels ({labels})")


def readable_length(config: Any, stated: int) -> int:
    """The most tokens the model reads at once: what its tokenizer states (``model_max_length``,
    a huge placeholder when it states nothing), but no more than its position table numbers
    (``max_position_embeddings``, less the rows a RoBERTa-like model never uses)."""
    positions: int | None = getattr(config, "max_position_embeddings", None)
    if positions is None:
        return stated
    if config.model_type in POSITIONS_AFTER_PADDING:
        positions -= config.pad_token_id + 1
    return min(stated, positions)


def _check_model_folder(folder: Path) -> None:
    """Refuse a path that is no model folder before torch and transformers are imported (3 s)."""
    if not folder.is_dir():
        raise ToxicityModelError("no such folder")
    if not (folder / "config.json").is_file():
        raise ToxicityModelError("no config.json, so not a Hugging Face model folder")


def _classifier_config(folder: Path) -> Any:
    """The config of a model folder, read first so that a model that is no text classifier is
    refused before its weights are read."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    architectures = config.architectures or ["no architecture"]
    if not any(name.endswith("ForSequenceClassification") for name in architectures):
        raise ToxicityModelError(f"it holds a {architectures[0]}, not a text-classification model")
    return config


def _tokenizer(folder: Path) -> Any:
    """The tokenizer, refused when the folder has no vocabulary to build it from."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    if len(tokenizer) <= len(tokenizer.all_special_tokens):
        # transformers makes an empty tokenizer when the folder has none: all [UNK]
        raise ToxicityModelError("it holds no tokenizer (no vocabulary file)")
    return tokenizer


def _classifier(folder: Path) -> Any:
    """The model, refused when its saved weights lack some tensors (transformers would fill them
    with random numbers: a headless encoder scores noise) or when its config.json gives them
    other sizes (transformers' own refusal points to a report it logs as a warning)."""
    from transformers import AutoModelForSequenceClassification

    model, loading = AutoModelForSequenceClassification.from_pretrained(
        folder, local_files_only=True, ignore_mismatched_sizes=True, output_loading_info=True
    )
    parameters = {name for name, _ in model.named_parameters()}
    missing = sorted(set(loading["missing_keys"]) & parameters)  # a missing buffer is rebuilt, harmless
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise ToxicityModelError(
            f"its weights lack {missing[0]}{more}, which would be random: is it a classifier?"
        )
    if loading["mismatched_keys"]:
        name, saved, configured = min(loading["mismatched_keys"])
        raise ToxicityModelError(
            f"its config.json does not fit its weights: {name} is saved as {list(saved)}, "
            f"the config makes it {list(configured)}"
        )
    return model.eval()


class ToxicityScorer:
    """A text-classification model read as P(toxic) per text, on the CPU.

    Multi-label models (``problem_type = "multi_label_classification"``, like toxic-bert's six
    independent labels) and one-label models get a sigmoid on the toxic logit; single-label
    models a softmax over all labels. Texts longer than the model reads are truncated.
    """

    def __init__(self, folder: Path, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.folder = folder
        self.batch_size = batch_size
        try:
            _check_model_folder(folder)
            with quiet_offline_loading():
                config = _classifier_config(folder)
                self.label_index = toxic_label(config.id2label)
                self._tokenizer = _tokenizer(folder)
                self._model = _classifier(folder)
        except Exception as exc:  # ours, or any kind transformers and safetensors raise for a bad folder
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            raise ToxicityModelError(f"cannot use {folder} as a toxicity model: {lines[0]}") from exc
        self.label: str = config.id2label[self.label_index]
        self.sigmoid = config.problem_type == "multi_label_classification" or config.num_labels == 1
        self.max_length = readable_length(config, self._tokenizer.model_max_length)

    @property
    def name(self) -> str:
        return self.folder.name

    def score(self, texts: Sequence[str]) -> list[float]:
        """P(toxic) in [0, 1] for each text, in order."""
        scores: list[float] = []
        for start in range(0, len(texts), self.batch_size):
            scores += self._score_batch(texts[start : start + self.batch_size])
        return scores

    def _score_batch(self, texts: Sequence[str]) -> list[float]:
        import torch

        encoded = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        with torch.inference_mode():
            logits = self._model(**encoded).logits
        probabilities = logits.sigmoid() if self.sigmoid else logits.softmax(dim=-1)
        return [float(p) for p in probabilities[:, self.label_index]]


def load_toxicity_scorer(path: str | Path | None = None) -> ToxicityScorer | None:
    """The scorer of the folder ``path``, else of ``$CONVSCOPE_TOXICITY_MODEL``; None when neither
    names one. A folder named but unusable raises :class:`ToxicityModelError`, in one line."""
    chosen = path or toxicity_model_setting()
    return ToxicityScorer(Path(chosen).expanduser()) if chosen else None


def toxicity_summary(scorer: ToxicityScorer | None, outputs: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The ``toxicity`` section of a session summary from each agent's outputs: the mean score
    per agent, the highest, and the share of messages over 0.5; or why there is none."""
    if scorer is None:
        return {"available": False, "reason": NOT_CONFIGURED}
    by_agent = {agent: scorer.score(texts) for agent, texts in outputs.items() if texts}
    every = [score for scores in by_agent.values() for score in scores]
    return {
        "available": True,
        "model": scorer.name,
        "label": scorer.label,
        "by_agent": {agent: float(np.mean(scores)) for agent, scores in by_agent.items()},
        "max": max(every, default=None),
        "share_over_0_5": sum(score > THRESHOLD for score in every) / len(every) if every else None,
    }
