"""Accounts: learners and their passwords, sign-in sessions, API tokens."""
