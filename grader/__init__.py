"""dlgrader: sandboxed, trustworthy grading of deep-learning interview code."""

__version__ = "0.1.0"
