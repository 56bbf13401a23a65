"""Sweeps: many headless sessions over a grid of settings and seeds, resumable, with one CSV."""
