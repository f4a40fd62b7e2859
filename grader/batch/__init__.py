"""Batch grading: a cohort's files in, results.jsonl/csv and summary.html out, and the benchmark."""
