"""UI layer: Reflex pages, components and their states."""
