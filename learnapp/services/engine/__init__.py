"""The progress engine: every change to progress in one unit of work, and what follows from it."""
