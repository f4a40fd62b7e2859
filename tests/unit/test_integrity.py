"""The integrity scan: every tampering submission in the suite is flagged with its line, no
correct variant of the corpus is, and findings never change a score."""

from __future__ import annotations

import pytest

from grader.integrity import scan
from tests.support.forgery import forger_code
from tests.support.grading import parse_expectation, variant_files
from tests.support.hostile import FORGED_ON_EVERY_FD, PATCHED_COMPARISONS, TASK, WRONG
from tests.support.walls import FIND_TRACES, LEAVE_TRACES

FRAME_WALK = """
import sys
frame = sys._getframe(1)
while frame is not None:
    seeds = frame.f_locals.get("item")
    frame = frame.f_back
"""
GC_WALK = "import gc\nrefs = [o for o in gc.get_objects() if isinstance(o, dict) and 'seed' in o]\n"
IMPORTS_GRADER = "from grader.harness import observe\nobserve._orig.clear()\n"
LIAR = """
import torch
class Liar(torch.Tensor):
    def __eq__(self, other):
        return True
"""
PATCH_BUILTINS = "import builtins\nbuiltins.isinstance = lambda *a: True\n"
PROC_FD = "open('/proc/self/fd/3', 'w').write('{}')\n"
KILL_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
SEARCH = "import os\nfor root, dirs, files in os.walk('/'):\n    pass\n"

TAMPERING = {
    "forged_fds": FORGED_ON_EVERY_FD,
    "patched_comparisons": PATCHED_COMPARISONS,
    "kernel_traces": LEAVE_TRACES,
    "kernel_probe": FIND_TRACES,
    "frame_walk": FRAME_WALK,
    "gc_walk": GC_WALK,
    "imports_grader": IMPORTS_GRADER,
    "liar_subclass": LIAR,
    "patch_builtins": PATCH_BUILTINS,
    "proc_fd": PROC_FD,
    "kill_parent": KILL_PARENT,
    "search": SEARCH,
    "forger": forger_code(
        [{"probe": "p", "trial": 0, "seed": 1}], type("R", (), {"by_probe": {"p": {0: {"value": {"kind": "none"}}}}})()
    ),
}


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_every_tampering_submission_is_flagged_with_its_line(name):
    code = TAMPERING[name]
    findings = scan(code)
    assert findings, name
    lines = code.splitlines()
    for f in findings:
        assert 1 <= f.line <= len(lines) and f.code == lines[f.line - 1].strip()[:200]


def test_no_correct_variant_of_the_corpus_is_flagged():
    flagged = {}
    for path in variant_files():
        code = path.read_text()
        if parse_expectation(code)["full"] and (found := scan(code)):
            flagged[str(path)] = [(f.rule, f.line) for f in found]
    assert not flagged


def test_unparseable_code_has_no_findings():
    assert scan("def (:\n") == []


@pytest.mark.slow
def test_findings_appear_in_every_format_and_never_change_the_score(grade_code_pooled):
    from grader import reports

    plain = grade_code_pooled(TASK, WRONG)
    flagged = grade_code_pooled(TASK, "import gc\n_ = gc.get_objects\nimport sys\n_f = sys._getframe(0)\n" + WRONG)
    assert flagged.score == plain.score and not plain.integrity
    assert {f.rule for f in flagged.integrity} == {"frame_walking"} and flagged.integrity[0].line == 4
    assert "sys._getframe" in reports.to_markdown(flagged) and "Integrity signals" in reports.to_html(flagged)
    assert '"integrity"' in reports.to_json(flagged)
    assert reports.for_candidate(flagged).integrity == []
