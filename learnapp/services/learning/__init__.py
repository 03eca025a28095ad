"""What a learner reads: each screen built by read_model's pure functions from one read (persistence/learner_read)."""
