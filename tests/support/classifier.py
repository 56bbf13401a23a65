"""Real, tiny BERT (and one RoBERTa) text classifiers saved to folders, as a downloaded toxicity
model would be.

torch and transformers are imported where a folder is made, not with this module: every
pytest worker collects the modules that import it, and only one of them makes folders.

With ``bias`` the classifier head's weights are zero, so every text gets exactly the logits
``bias`` and the expected score is known; without it the head is random (seeded), so texts
get different scores.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import BertConfig

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
TINY: dict[str, Any] = {
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "initializer_range": 0.5,  # BERT's 0.02 would give every text nearly the same score
}
# RoBERTa's byte-level letters, one token each (no merges): "Ġ" is the space before a word
ROBERTA_VOCAB = ("<s>", "<pad>", "</s>", "<unk>", "<mask>", "Ġ", *sorted(set("".join(WORDS))))


def tiny_config(**changes: Any) -> BertConfig:
    from transformers import BertConfig

    return BertConfig(vocab_size=len(VOCAB), **TINY, **changes)


def label_names(labels: Sequence[str]) -> dict[str, Any]:
    return {
        "id2label": dict(enumerate(labels)),
        "label2id": {label: index for index, label in enumerate(labels)},
    }


def save_tokenizer(folder: Path) -> None:
    from transformers import BertTokenizer

    BertTokenizer(vocab={token: index for index, token in enumerate(VOCAB)}).save_pretrained(folder)


def save_classifier(
    folder: Path,
    labels: Sequence[str],
    *,
    bias: Sequence[float] | None = None,
    problem_type: str | None = None,
) -> Path:
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    model = BertForSequenceClassification(tiny_config(**label_names(labels), problem_type=problem_type))
    if bias is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor(bias))
    model.save_pretrained(folder)
    save_tokenizer(folder)
    return folder


def save_corrupt_classifier(folder: Path) -> Path:
    """A classifier whose weights file is not safetensors at all, as a broken download leaves it."""
    save_classifier(folder, ["ok", "toxic"])
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    return folder


def save_misfit_classifier(folder: Path) -> Path:
    """A classifier whose config.json asks for twice the hidden size its weights were saved with."""
    save_classifier(folder, ["ok", "toxic"])
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "hidden_size": 2 * config["hidden_size"]}))
    return folder


def save_encoder(folder: Path) -> Path:
    """A BERT without a classification head, like a sentence-embedding model."""
    from transformers import BertModel

    BertModel(tiny_config()).save_pretrained(folder)
    save_tokenizer(folder)
    return folder


def save_headless_classifier(folder: Path) -> Path:
    """An encoder's weights under a classifier's config.json: loading would give the head
    random weights, so every score would be noise."""
    save_encoder(folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(architectures=["BertForSequenceClassification"], **label_names(["ok", "toxic"]))
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def save_roberta_classifier(folder: Path, labels: Sequence[str]) -> Path:
    """A RoBERTa classifier with RoBERTa's 514 positions, of which text reaches 512 (positions
    start after the padding id 1), and a tokenizer that states no ``model_max_length``."""
    import torch
    from transformers import RobertaConfig, RobertaForSequenceClassification, RobertaTokenizer

    torch.manual_seed(0)
    config = RobertaConfig(
        vocab_size=len(ROBERTA_VOCAB),
        max_position_embeddings=514,
        pad_token_id=1,
        **TINY,
        **label_names(labels),
    )
    RobertaForSequenceClassification(config).save_pretrained(folder)
    vocab = {token: index for index, token in enumerate(ROBERTA_VOCAB)}
    RobertaTokenizer(vocab=vocab, merges=[]).save_pretrained(folder)
    return folder
