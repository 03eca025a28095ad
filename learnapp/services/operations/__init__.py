"""Operations: recalculate, legacy import, population, export, housekeeping, demo, run records."""
