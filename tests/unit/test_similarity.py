"""grader.similarity: the normaliser, winnowing, starter subtraction, a disguised copy flagged, two
short independent solutions not flagged, the index against brute force, the JSON round trip, and
the evaluation's overall figures at the default threshold."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from grader.settings import Settings
from grader.similarity import (
    DEFAULT_THRESHOLD,
    Fingerprint,
    SimilarityIndex,
    Starter,
    compare,
    fingerprint,
    match,
    normalise,
    rank,
)
from grader.similarity import evaluate as ev
from grader.similarity.disguise import ALL, disguise
from grader.similarity.winnow import kgram_hashes, winnow
from grader.taskspec import load_task


def task(task_id: str):
    s = Settings()
    return load_task(task_id, tasks_dir=s.tasks_dir, rubrics_dir=s.rubrics_dir)


def texts(code: str) -> list[str]:
    return [t.text for t in normalise(code)]


# ---------------------------------------------------------------- normalising


def test_names_comments_docstrings_prints_and_layout_do_not_count():
    a = '''
def scale(values, factor):
    """Multiply."""
    out = []  # the result
    for v in values:
        out.append(v * factor)
    return out
'''
    b = """
def scale(xs, k):
    print("scaling", xs)
    res = []


    for item in xs: res.append(item * k)
    return (res)
"""
    assert texts(a) == texts(b)
    assert "out" not in texts(a) and "V" in texts(a)


def test_api_names_keywords_and_aliases_are_kept():
    a = "import torch.nn.functional as F\nimport numpy as np\ny = F.relu(x)\nz = np.mean(y, axis=0)\n"
    b = "from torch.nn import functional\nimport numpy\ny = functional.relu(x)\nz = numpy.mean(y, axis=0)\n"
    ta = texts(a)
    assert ta == texts(b)
    assert {"torch.nn.functional", "relu", "numpy", "mean", "axis"} <= set(ta)
    assert ta.count("N") == 1  # 0 is a number like any other


def test_attributes_set_on_self_are_placeholders_other_attributes_are_not():
    code = "class M:\n    def __init__(self):\n        self.layer = nn.Linear(2, 1)\n        self.training = True\n"
    t = texts(code)
    assert "layer" not in t and "A" in t and "Linear" in t
    # `training` is assigned on self too, so it is the candidate's name as far as the code shows
    assert "training" not in t


def test_dead_code_and_unread_names_are_dropped():
    plain = "def f(x):\n    y = x + 1\n    return y\n"
    padded = (
        "def f(x):\n    unused = 3 * 0.5\n    y = x + 1\n    if False:\n        y = 0\n"
        "    return y\n    print('never')\n"
    )
    assert texts(plain) == texts(padded)


def test_code_that_does_not_parse_still_has_tokens():
    assert texts("def f(:\n    return 1 +\n")[:2] == ["def", "V"]
    assert texts('x = "unterminated\n') != []


def test_lines_point_at_the_source():
    toks = normalise("import torch\n\n# c\nx = torch.ones(3)\n")
    assert {t.line for t in toks} == {4}


# ---------------------------------------------------------------- winnowing


def test_kgram_hashes_are_stable_and_positional():
    h = kgram_hashes(list("abcabc"), 3)
    assert len(h) == 4 and h[0] == h[3] and len(set(h)) == 3
    assert kgram_hashes(list("ab"), 3) == []
    assert h == kgram_hashes(list("abcabc"), 3)  # no salted hash()


def test_winnowing_keeps_a_minimum_of_every_window():
    rng = random.Random(7)
    hashes = [rng.randrange(1000) for _ in range(200)]
    w = 4
    kept = winnow(hashes, w)
    positions = [p for p, _ in kept]
    assert positions == sorted(set(positions))
    for start in range(len(hashes) - w + 1):
        window = range(start, start + w)
        assert any(p in window and hashes[p] == min(hashes[i] for i in window) for p in positions)
    assert len(kept) < len(hashes) / 2  # a real sample, about 2/(w+1)
    assert winnow([5, 3], 4) == [(1, 3)]
    assert winnow([], 4) == []


def test_a_long_shared_run_always_shares_a_fingerprint():
    rng = random.Random(3)
    shared = [f"t{rng.randrange(50)}" for _ in range(8)]  # K + W - 1 tokens: the guarantee
    for _ in range(20):
        a = [f"a{rng.randrange(99)}" for _ in range(rng.randrange(30))] + shared
        b = shared + [f"b{rng.randrange(99)}" for _ in range(rng.randrange(30))]
        ha = {h for _, h in winnow(kgram_hashes(a, 5), 4)}
        hb = {h for _, h in winnow(kgram_hashes(b, 5), 4)}
        assert ha & hb


# ---------------------------------------------------------------- the starter


STARTER = '''
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion):
    """One step; return the loss as a float."""
    optimizer.zero_grad()
    output = model(batch_x)
    loss = criterion(output, batch_y)
    raise NotImplementedError
'''


def test_the_starter_never_counts():
    fp = fingerprint(STARTER, STARTER)
    assert len(fp) == 0 and fp.own_tokens == 0
    only_starter_kept = STARTER.replace("raise NotImplementedError", "return 0.0")
    other = STARTER.replace("raise NotImplementedError", "return 1.0")
    m = compare(only_starter_kept, other, STARTER)
    assert not m.flagged and m.shared_tokens < DEFAULT_THRESHOLD.min_tokens
    # the same two files without the starter as base look alike
    assert match(fingerprint(only_starter_kept), fingerprint(other)).score == 1.0


def test_fingerprints_against_other_starters_do_not_compare():
    with pytest.raises(ValueError, match="starters"):
        match(fingerprint("x = 1\n", "y = 2\n"), fingerprint("x = 1\n"))


# ---------------------------------------------------------------- pairs


def test_a_disguised_copy_is_flagged_with_regions_on_both_sides():
    t = task("torch-train-step")
    original = (ev.VARIANTS / t.id / "correct_manual_clip.py").read_text()
    for kind in ALL:
        copy = disguise(original, kind, starter=t.spec.starter, seed=11)
        assert copy != original
        m = compare(copy, original, t.spec.starter)
        assert m.flagged, (kind, m.score, m.shared_tokens)
        assert m.regions
        n_copy, n_orig = len(copy.splitlines()), len(original.splitlines())
        for r in m.regions:
            assert 1 <= r.a_first <= r.a_last <= n_copy and 1 <= r.b_first <= r.b_last <= n_orig


def test_two_short_independent_solutions_are_not_flagged_for_being_alike():
    t = task("torch-linear-model")
    a = (ev.VARIANTS / t.id / "correct_sequential.py").read_text()
    b = (ev.VARIANTS / t.id / "correct_functional.py").read_text()
    m = compare(a, b, t.spec.starter)
    assert m.shared_tokens > 0 and not m.flagged
    # A score as high as a copy's but little shared beyond the starter: not enough to flag.
    short_a = "import torch\nclass MyModel(torch.nn.Module):\n    def forward(self, x):\n        return x.relu()\n"
    short_b = "import torch\nclass MyModel(torch.nn.Module):\n    def forward(self, inp):\n        return inp.relu()\n"
    m = compare(short_a, short_b, t.spec.starter)
    assert m.score == 1.0 and not m.flagged


def test_unrelated_code_shares_nothing():
    m = compare("def f(a):\n    return sorted(a)[::-1]\n", "import json\nprint(json.dumps({'x': [1, 2]}))\n")
    assert (m.score, m.shared_tokens, m.flagged, m.regions) == (0.0, 0, False, ())


# ---------------------------------------------------------------- the index


def corpus() -> tuple[Starter, dict[str, str]]:
    t = task("torch-epoch-loop")
    sols = ev.solutions_of(t)
    codes = dict(sols)
    for i, (name, code) in enumerate(sorted(sols.items())):
        codes[f"{name}-copy"] = disguise(code, list(ALL)[i % len(ALL)], starter=t.spec.starter, seed=i)
    return Starter.of(t.spec.starter), codes


def test_index_query_equals_brute_force():
    base, codes = corpus()
    fps = {n: fingerprint(c, base) for n, c in codes.items()}
    index = SimilarityIndex()
    for n, fp in fps.items():
        index.add(n, fp)
    for n, fp in fps.items():
        brute = sorted((index.match(fp, fps[o], other_id=o) for o in fps if o != n), key=rank)
        brute = [m for m in brute if m.shared_fingerprints][:5]
        assert index.query(fp, top=5, exclude={n}) == brute
    assert index.query(fps["reference"], top=1, exclude={"reference"})[0].other_id == "reference-copy"


def test_index_replace_and_remove():
    base, codes = corpus()
    index = SimilarityIndex()
    fp = fingerprint(codes["reference"], base)
    index.add("a", fp)
    index.add("a", fp)
    assert len(index) == 1 and index.query(fp)[0].other_id == "a"
    index.remove("a")
    assert len(index) == 0 and index.query(fp) == []
    with pytest.raises(ValueError):
        index.add("b", fp)
        index.add("c", fingerprint("x = 1\n", "y = 2\n"))


def test_fingerprint_json_round_trip():
    base, codes = corpus()
    fp = fingerprint(codes["reference"], base)
    again = Fingerprint.from_json(json.loads(json.dumps(fp.to_json())))
    assert again == fp and again.by_hash == fp.by_hash
    assert all(0 <= e.hash < 2**53 for e in fp.entries)  # exact in JavaScript
    other = fingerprint(codes["reference-copy"], base)
    assert match(again, other) == match(fp, other)
    assert json.loads(json.dumps(match(fp, other).to_json()))["flagged"] is True
    with pytest.raises(ValueError, match="format"):
        Fingerprint.from_json({**fp.to_json(), "format": 99})


# ---------------------------------------------------------------- the evaluation


def test_disguises_are_deterministic_and_compile():
    t = task("numpy-standardize")
    code = t.spec.reference
    for kind in ALL:
        once = disguise(code, kind, starter=t.spec.starter, seed=5)
        assert once == disguise(code, kind, starter=t.spec.starter, seed=5)
        compile(once, kind, "exec")


def test_every_task_has_at_least_two_independent_solutions():
    for t in ev._tasks(None):
        assert len(ev.solutions_of(t)) >= 2, t.id


def test_the_evaluation_meets_the_overall_targets_at_the_default_threshold():
    """All tasks, one seed: recall on disguised copies >= 0.95, false flags among independent
    correct solutions <= 5 % (per task it is not met everywhere: docs/similarity.md says where)."""
    result = ev.evaluate((ev.case_of(t) for t in ev._tasks(None)), ev.OwnEngine())
    o = result["overall"]
    assert o["tasks"] >= 20 and o["copies"] > 500 and o["independent_pairs"] > 200
    assert o["recall"] >= 0.95, o
    assert o["false_flag_rate"] <= 0.05, o


def test_a_thousand_submissions_indexed_one_by_one_answer_as_brute_force_does():
    """The bench (its time is a figure in docs/similarity.md, not asserted here): 1,000 submissions
    added one by one, the common hashes kept up to date incrementally; a sample of queries against
    the full index gives exactly the top matches of comparing every pair."""
    out = ev.bench(task("torch-train-step"), 1000, sample=10)
    assert out["submissions"] == 1000 and out["sampled"] == 10
    assert out["same_as_brute_force"] == 10, out
    assert out["with_a_flagged_match"] > 900  # all but the first few are copies of an earlier one


def test_accumulating_loops_read_as_the_comprehension_they_equal():
    loop = """
def f(model, xs):
    modes = []
    for m in model.modules():
        for x in xs:
            if x > 0:
                modes.append((m, x.training))
    total = 0
    for x in xs:
        total += x * 2
    seen = {}
    for i, x in enumerate(xs):
        seen[x] = i
    return modes, total, seen
"""
    comp = """
def f(model, xs):
    modes = [(m, x.training) for m in model.modules() for x in xs if x > 0]
    total = sum(x * 2 for x in xs)
    seen = {x: i for i, x in enumerate(xs)}
    return modes, total, seen
"""
    assert texts(loop) == texts(comp)
    assert [t.line for t in normalise(loop)][:3] == [2, 2, 2]
    # Not an accumulation: a loop that also reads the list, or does more than append, stays a loop.
    reads = "def f(xs):\n    out = []\n    for x in xs:\n        out.append(len(out))\n    return out\n"
    more = "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n        g(x)\n    return out\n"
    assert "for" in texts(reads) and texts(reads).index("for") < texts(reads).index("append")
    assert "append" in texts(more)


def test_hashes_common_across_the_cohort_do_not_count():
    """A hash in more than COMMON of the index's submissions (and at least MIN_COMMON of them) is
    left out of every comparison; a cohort of a few keeps all it shares."""
    base, codes = corpus()
    shared = "def g(v):\n    w = v.reshape(-1, 4).float()\n    return w.sum(dim=0).mean().item()\n"
    mine = "def h(a, b):\n    c = torch.cat([a, b], dim=1).softmax(dim=-1)\n    return c.argmax(dim=1).tolist()\n"
    a, b = fingerprint(shared + mine, base), fingerprint(shared + mine.replace("cat", "stack"), base)
    small = SimilarityIndex()
    small.add("a", a)
    small.add("b", b)
    assert not small.common() and small.query(a, exclude={"a"})[0].score == match(a, b).score
    big = SimilarityIndex()
    big.add("a", a)
    big.add("b", b)
    for i in range(8):  # everyone writes `shared`
        big.add(f"o{i}", fingerprint(shared + f"def k{i}(q):\n    return q.view({i}, -1).t().clone().numpy()\n", base))
    common = big.common()
    m = big.query(a, exclude={"a"})[0]
    assert m.other_id == "b" and 0 < m.shared_fingerprints == len((a.hashes & b.hashes) - common)
    assert common & a.hashes & b.hashes  # some of what a and b share is everyone's: it no longer counts
    assert m == big.match(a, b, other_id="b")
    for i in range(8):
        big.remove(f"o{i}")
    assert not big.common()  # back to a cohort of two
    assert SimilarityIndex(common=None).common() == frozenset()


def test_pairs_of_independent_solutions_are_counted_once():
    t = task("torch-fix-dtype")
    case = ev.case_of(t)
    row = ev.evaluate_case(case, ev.OwnEngine())
    n = len(case.solutions)
    assert row["independent_pairs"] == len(list(itertools.combinations(range(n), 2)))
    assert row["copies"] == n * len(ALL)
