"""Aggregate stages: derived from result files only, so they rerun without refitting."""
