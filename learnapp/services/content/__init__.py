"""Content: course files read, validated, uploaded, applied (with the admin's dry run) and exported."""
