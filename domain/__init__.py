"""Tally's domain: aggregates, their events, value objects and the application service.

Imports nothing beyond the standard library and ``eventsourcing``.
"""
