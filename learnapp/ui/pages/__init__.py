"""UI pages: one module per page, each with its state beside it."""
