"""Metrics every component publishes, under one namespace and dimension scheme."""
