"""Persistence layer: tables, engine and queries that return domain objects."""
