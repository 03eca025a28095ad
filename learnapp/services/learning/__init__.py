"""What a learner reads: catalog, outline, player, enrollments, My Learning, the tab's snapshot."""
