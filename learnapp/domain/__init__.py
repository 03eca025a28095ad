"""Domain layer: the content tree and the completion rules, standard library only."""
