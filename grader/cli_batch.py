"""`grader batch` and `grader bench` (registered on the main CLI app)."""
