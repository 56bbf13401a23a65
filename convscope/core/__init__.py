"""The headless engine: agents, protocols, providers, metrics. Imports nothing of ours above it."""
