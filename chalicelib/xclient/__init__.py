"""Helpers around tweepy, the X API client (host redirection for now)."""
