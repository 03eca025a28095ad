"""Tests of the outbound integrations (webhooks, xAPI) against real receivers on loopback."""
