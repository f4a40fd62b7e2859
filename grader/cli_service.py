"""`grader serve`, `grader worker` and `grader keys` (registered on the main CLI app)."""
