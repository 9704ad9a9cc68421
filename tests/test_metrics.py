"""LoCoMo metrics against hand-computed values."""

import math

import pytest

from memlora_mlx.eval.metrics import bleu1, is_refusal, multi_f1, normalize_answer, score_answer, token_f1


def test_normalize_answer():
    assert normalize_answer("The cat, and a Dog!") == "cat dog"
    assert normalize_answer("  7 May, 2023. ") == "7 may 2023"
    assert normalize_answer("Anne's band") == "annes band"  # apostrophe removed, 'an' inside words kept
    assert normalize_answer(2022) == "2022"


def test_token_f1_hand_computed():
    assert token_f1("7 May 2023", "7 May, 2023") == 1.0
    # pred stems {went, paint} ∩ gold {paint} -> p=1/2 r=1 -> 2/3
    assert token_f1("went painting", "painting") == pytest.approx(2 / 3)
    # stemming: "classes" ~ "class", "potteries" ~ "pottery"
    assert token_f1("pottery classes", "a pottery class") == 1.0
    # pred: she took kid to museum (5 after dropping "the"); gold: kid museum (2); p=2/5 r=1 -> 4/7
    assert token_f1("She took the kids to museum", "kids museum") == pytest.approx(4 / 7)
    # repeated tokens count by multiplicity: pred (a,a) after stem ["cat","cat"], gold ["cat"] -> p=1/2 r=1
    assert token_f1("cat cat", "cat") == pytest.approx(2 / 3)
    assert token_f1("", "cat") == 0.0 and token_f1("dog", "cat") == 0.0


def test_multi_f1_hand_computed():
    # gold parts: "psychology" -> best 1.0, "counseling certification" -> best vs "counseling" = p1 r.5 -> 2/3
    assert multi_f1("psychology, counseling", "Psychology, counseling certification") == pytest.approx((1 + 2 / 3) / 2)


def test_bleu1_hand_computed():
    assert bleu1("7 May 2023", "7 May, 2023") == 1.0
    # unigram precision 3/6, no brevity penalty (pred longer): 0.5
    assert bleu1("she went on 7 May 2023", "7 May 2023") == pytest.approx(0.5)
    # precision 1/2, brevity penalty exp(1 - 4/2)
    assert bleu1("alpha x", "alpha beta gamma delta") == pytest.approx(0.5 * math.exp(-1))
    assert bleu1("", "cat") == 0.0


def test_refusal_detection():
    for t in ["I don't know", "I don’t know.", "That is not mentioned in the conversation.",
              "No information available", "Unknown"]:
        assert is_refusal(t), t
    for t in ["Paris", "She knows how to paint", "in May 2023"]:
        assert not is_refusal(t), t


def test_score_answer_per_category():
    assert score_answer("I don't know", None, 5) == {"f1": 1.0, "bleu1": 1.0, "refused": True}
    assert score_answer("self-care is important", None, 5) == {"f1": 0.0, "bleu1": 0.0, "refused": False}
    # category 3 scores against the part before ';'
    s3 = score_answer("liberal", "Liberal; because she supports LGBTQ rights", 3)
    assert s3["f1"] == 1.0 and s3["bleu1"] == 1.0
    s1 = score_answer("psychology, counseling", "Psychology, counseling certification", 1)
    assert s1["f1"] == pytest.approx((1 + 2 / 3) / 2)
    s4 = score_answer("went painting", "painting", 4)
    assert s4["f1"] == pytest.approx(2 / 3) and s4["bleu1"] == pytest.approx(0.5) and not s4["refused"]
