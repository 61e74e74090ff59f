"""Replay machinery: execution state, operation ids, checkpoint batching, signals."""
