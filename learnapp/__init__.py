"""learnapp: a learning web app with correct, live progress tracking."""
