"""The only code that shares a process with the candidate: it runs probes and reports raw observations.

Nothing here decides a verdict; everything it writes is treated as untrusted by the grader.
"""
