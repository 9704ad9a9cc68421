"""LoCoMo answer metrics: normalisation, token F1 (stemmed, LoCoMo's), BLEU-1, refusal detection.

Follows snap-research/locomo `task_eval/evaluation.py`: lowercase, strip punctuation, drop
a/an/the/and, collapse whitespace, Porter-stem; category 1 (multi-hop) averages the best F1 per
comma-separated gold part; category 3 scores against the gold text before the first ';';
category 5 (adversarial) scores 1 when the answer says the information is not available.
BLEU-1 is nltk `sentence_bleu(weights=(1,0,0,0))` with smoothing method1 (as Mem0's scripts) on
the normalised whitespace tokens (Mem0 uses `word_tokenize`, which needs downloaded punkt data).
"""

import re
import string
from collections import Counter

from nltk.stem import PorterStemmer
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

_stemmer = PorterStemmer()
_smooth = SmoothingFunction().method1
_PUNCT = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the|and)\b")

# LoCoMo's own check is the first two; the rest are what small models say instead.
REFUSAL_PHRASES = (
    "no information available", "not mentioned", "i don't know", "i do not know", "don't know",
    "no information", "not available", "not enough information", "cannot answer", "can't answer",
    "unknown", "not specified", "not provided", "no mention", "not stated", "no record",
    "does not say", "doesn't say", "no memory", "no memories", "not sure", "unanswerable",
)


def normalize_answer(s) -> str:
    s = str(s).replace(",", "").lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _stems(s) -> list[str]:
    return [_stemmer.stem(w) for w in normalize_answer(s).split()]


def token_f1(prediction, gold) -> float:
    """LoCoMo's f1_score: bag-of-stems overlap F1 after normalisation."""
    p, g = _stems(prediction), _stems(gold)
    same = sum((Counter(p) & Counter(g)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def multi_f1(prediction, gold) -> float:
    """LoCoMo's multi-answer F1: mean over gold parts of the best F1 against any predicted part."""
    preds = [x.strip() for x in str(prediction).split(",")]
    golds = [x.strip() for x in str(gold).split(",")]
    return sum(max(token_f1(p, g) for p in preds) for g in golds) / len(golds)


def bleu1(prediction, gold) -> float:
    p, g = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not p or not g:
        return 0.0
    return float(sentence_bleu([g], p, weights=(1, 0, 0, 0), smoothing_function=_smooth))


def is_refusal(text) -> bool:
    t = " ".join(str(text).lower().replace("’", "'").split())
    return any(ph in t for ph in REFUSAL_PHRASES)


def score_answer(prediction, gold, category: int) -> dict:
    """{"f1", "bleu1", "refused"} for one answer, LoCoMo's rules per category.

    Category 5 has no gold answer: f1 = bleu1 = 1.0 when the answer refuses, else 0.0.
    """
    prediction = "" if prediction is None else str(prediction)
    refused = is_refusal(prediction)
    if category == 5:
        v = 1.0 if refused else 0.0
        return {"f1": v, "bleu1": v, "refused": refused}
    gold = "" if gold is None else str(gold)
    if category == 3:
        gold = gold.split(";")[0].strip()
    f1 = multi_f1(prediction, gold) if category == 1 else token_f1(prediction, gold)
    return {"f1": float(f1), "bleu1": bleu1(prediction, gold), "refused": refused}
