"""Toxicity of messages, from a local Hugging Face text-classification model, when one is given.

No toxicity model ships with convscope and none is ever downloaded: the scorer reads a folder
the person points to (``--toxicity-model DIR`` or ``CONVSCOPE_TOXICITY_MODEL``), for example a
saved copy of ``unitary/toxic-bert`` or ``martin-ha/toxic-comment-model``. Without one, callers
get a one-line reason instead of a number, so no table shows a toxicity nobody measured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from convscope.core.metrics.local_models import quiet_offline_loading

ENV_VAR = "CONVSCOPE_TOXICITY_MODEL"
NOT_CONFIGURED = f"no model given (--toxicity-model DIR or {ENV_VAR})"
TOXIC_NAMES = frozenset({"toxic", "toxicity"})
UNNAMED_LABELS = ["LABEL_0", "LABEL_1"]
THRESHOLD = 0.5
DEFAULT_BATCH_SIZE = 32


class ToxicityModelError(ValueError):
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


class ToxicityScorer:
    """A text-classification model read as P(toxic) per text, on the CPU.

    Multi-label models (``problem_type = "multi_label_classification"``, like toxic-bert's six
    independent labels) and one-label models get a sigmoid on the toxic logit; single-label
    models a softmax over all labels. Texts longer than the model reads are truncated.
    """

    def __init__(self, folder: Path, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if not folder.is_dir():
            raise ToxicityModelError("no such folder")
        if not (folder / "config.json").is_file():
            raise ToxicityModelError("no config.json, so not a Hugging Face model folder")
        self.folder = folder
        self.batch_size = batch_size
        with quiet_offline_loading():
            from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

            config = AutoConfig.from_pretrained(folder, local_files_only=True)
            architectures = config.architectures or ["no architecture"]
            if not any(name.endswith("ForSequenceClassification") for name in architectures):
                raise ToxicityModelError(f"it holds a {architectures[0]}, not a text-classification model")
            self.label_index = toxic_label(config.id2label)
            self._tokenizer: Any = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            if len(self._tokenizer) <= len(self._tokenizer.all_special_tokens):
                # transformers makes an empty tokenizer when the folder has none: all [UNK]
                raise ToxicityModelError("it holds no tokenizer (no vocabulary file)")
            self._model: Any = AutoModelForSequenceClassification.from_pretrained(
                folder, local_files_only=True
            ).eval()
        self.label: str = config.id2label[self.label_index]
        self.sigmoid = config.problem_type == "multi_label_classification" or config.num_labels == 1
        self.max_length = min(
            self._tokenizer.model_max_length,  # a huge placeholder when the tokenizer does not say
            getattr(config, "max_position_embeddings", self._tokenizer.model_max_length),
        )

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


def load_toxicity_scorer(path: str | Path | None = None) -> ToxicityScorer | str:
    """The scorer of the folder ``path``, else of ``$CONVSCOPE_TOXICITY_MODEL``; or, when
    there is none, the one-line reason why (never an exception)."""
    chosen = path or os.environ.get(ENV_VAR)
    if not chosen:
        return NOT_CONFIGURED
    folder = Path(chosen).expanduser()
    try:
        return ToxicityScorer(folder)
    except (OSError, ValueError) as exc:  # what transformers raises for a folder it cannot read
        return f"cannot use {folder} as a toxicity model: {' '.join(str(exc).split())}"


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
