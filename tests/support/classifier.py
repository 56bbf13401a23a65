"""Real, tiny BERT text classifiers saved to folders, as a downloaded toxicity model would be.

With ``bias`` the classifier head's weights are zero, so every text gets exactly the logits
``bias`` and the expected score is known; without it the head is random (seeded), so texts
get different scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
WORDS = (
    "you",
    "are",
    "an",
    "idiot",
    "what",
    "a",
    "stupid",
    "plan",
    "thanks",
    "for",
    "the",
    "nice",
    "help",
    "have",
    "day",
)
VOCAB = (*SPECIAL_TOKENS, *WORDS)


def tiny_config(**changes: Any) -> BertConfig:
    return BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        initializer_range=0.5,  # BERT's 0.02 would give every text nearly the same score
        **changes,
    )


def save_tokenizer(folder: Path) -> None:
    BertTokenizer(vocab={token: index for index, token in enumerate(VOCAB)}).save_pretrained(folder)


def save_classifier(
    folder: Path,
    labels: Sequence[str],
    *,
    bias: Sequence[float] | None = None,
    problem_type: str | None = None,
) -> Path:
    torch.manual_seed(0)
    config = tiny_config(
        id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
        problem_type=problem_type,
    )
    model = BertForSequenceClassification(config)
    if bias is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor(bias))
    model.save_pretrained(folder)
    save_tokenizer(folder)
    return folder


def save_encoder(folder: Path) -> Path:
    """A BERT without a classification head, like a sentence-embedding model."""
    BertModel(tiny_config()).save_pretrained(folder)
    save_tokenizer(folder)
    return folder
