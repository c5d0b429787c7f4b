"""Keeping every vendor call inside the vendors' documented rate limits (one governor per process)."""
