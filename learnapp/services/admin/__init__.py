"""What admins read: statistics from counters, learners, operation runs."""
