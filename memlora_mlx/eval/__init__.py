"""Evaluation: LoCoMo end to end (`locomo_eval`), per-operation (`ops`), VQA (`vqa`); metrics and reports."""
