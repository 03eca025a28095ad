"""Integrations: signed webhooks and xAPI statements, delivered from the outbox."""
