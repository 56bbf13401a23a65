"""Runs side by side (``convscope compare``): two sessions aligned turn by turn with their
final metrics, or two groups of sessions with a mean, a bootstrap CI and a rank test per
metric. Every measure is read from the catalogue, every test from ``core.metrics.stats``."""
