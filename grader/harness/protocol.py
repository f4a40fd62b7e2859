"""The observation channel's protocol: event and field names, written by the harness (in the
sandbox) and parsed by the grader (grader/observations.py), defined here once.

Standard library only: the harness imports it inside the sandbox, where grader/ is bound read-only
(grader/sandbox/rootfs.py) or copied into the image (workers/Dockerfile), and it is part of the
code fingerprint of the reference cache (grader/references.py hashes grader/harness).

One JSON object per line, on the channel descriptor (never stdout):
  [warm]  a pre-started harness's first line, before it reads its job (dropped by the grader
          before parsing: grader/sandbox/supervise.py)
  start   the job was read
  ready   frameworks imported, probes loaded: everything before is the grader's own setup
  then either compile_error {line, text, message}, import_error {type, message, traceback}, or
  one observation {probe, trial, value | error {type, message, traceback}} per plan item, then done.
The grader treats anything else on the channel as tampering.
"""

from __future__ import annotations

import json

EVENT = "event"  # every message's key naming its event

# Events
WARM = "warm"
START = "start"
READY = "ready"
COMPILE_ERROR = "compile_error"
IMPORT_ERROR = "import_error"
OBSERVATION = "observation"
DONE = "done"
# What the grader parses (WARM never reaches the parser).
EVENTS = (START, READY, COMPILE_ERROR, IMPORT_ERROR, OBSERVATION, DONE)

# Fields of an observation
PROBE = "probe"
TRIAL = "trial"
VALUE = "value"
ERROR = "error"
# Fields of compile_error
LINE = "line"
TEXT = "text"
MESSAGE = "message"
# Fields of an exception (an observation's error, and import_error's own fields)
TYPE = "type"
TRACEBACK = "traceback"

WARM_LINE = (json.dumps({EVENT: WARM}) + "\n").encode()
