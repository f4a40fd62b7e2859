"""The pure judge: tolerances, NaN, shapes, dtypes, types, custom comparators. No fixtures."""

from __future__ import annotations

from grader.judge import Verdict, compare, failing_line, judge, judge_trial, reference_defects, select
from grader.models import Check


def tensor(values, shape=None, dtype="float32", kind="tensor", type_="torch.Tensor"):
    return {"kind": kind, "type": type_, "dtype": dtype, "shape": shape or [len(values)], "values": values}


def fl(v, type_="float"):
    return {"kind": "float", "type": type_, "value": v}


def check(**kw) -> Check:
    base = {"id": "c", "title": "t", "points": 1, "probe": "p"}
    return Check(**{**base, **kw})


def obs(value):
    return {"value": value}


def test_allclose_uses_dtype_tolerance():
    c = check(compare="allclose")
    assert compare(tensor([1.0, 2.0]), tensor([1.0, 2.0 + 1e-6]), c, approx=True).passed
    assert not compare(tensor([1.0, 2.0]), tensor([1.0, 2.1]), c, approx=True).passed
    # float64 is stricter than float32
    assert not compare(tensor([1.0], dtype="float64"), tensor([1.0 + 1e-5], dtype="float64"), c, approx=True).passed


def test_nan_is_never_close_and_inf_only_to_itself():
    c = check(compare="allclose")
    assert not compare(tensor(["nan"]), tensor(["nan"]), c, approx=True).passed
    assert not compare(tensor(["nan"]), tensor([1.0]), c, approx=True).passed
    assert compare(tensor(["inf"]), tensor(["inf"]), c, approx=True).passed
    assert not compare(tensor(["-inf"]), tensor(["inf"]), c, approx=True).passed
    assert not compare(fl("nan"), fl("nan"), c, approx=True).passed


def test_shape_and_dtype_mismatch_fail_with_a_reason():
    c = check(compare="allclose")
    v = compare(tensor([1.0, 2.0], shape=[2, 1]), tensor([1.0, 2.0], shape=[2]), c, approx=True)
    assert not v.passed and "shape [2, 1]" in v.detail
    v = compare(tensor([1.0], dtype="float64"), tensor([1.0]), c, approx=True)
    assert not v.passed and "dtype float64" in v.detail
    assert compare(
        tensor([1.0], dtype="float64"), tensor([1.0]), check(compare="allclose", check_dtype=False), approx=True
    ).passed


def test_float_subclass_is_not_a_python_float():
    v = compare(fl(1.0, type_="submission.Liar"), fl(1.0), check(compare="allclose"), approx=True)
    assert not v.passed and "expected float" in v.detail


def test_exact_compares_nested_structures():
    c = check()
    a = {
        "kind": "dict",
        "items": {"n": {"kind": "int", "type": "int", "value": 3}, "ok": {"kind": "bool", "value": True}},
    }
    b = {
        "kind": "dict",
        "items": {"n": {"kind": "int", "type": "int", "value": 3}, "ok": {"kind": "bool", "value": False}},
    }
    assert compare(a, a, c, approx=False).passed
    v = compare(b, a, c, approx=False)
    assert not v.passed and "ok" in v.detail
    assert select(a, "n")["value"] == 3 and select(a, "missing") is None


def test_a_candidate_error_fails_with_its_cause():
    c = check()
    err = {"error": {"type": "RuntimeError", "message": "boom\nmore", "traceback": ""}}
    v = judge_trial(c, err, obs(fl(1.0)))
    assert (
        not v.passed and "RuntimeError: boom" in v.detail and v.cause == "raised" and v.error["type"] == "RuntimeError"
    )


def test_a_reference_error_is_ground_truth_only_where_the_check_declares_it():
    err = {"error": {"type": "RuntimeError", "message": "boom", "traceback": ""}}
    # Undeclared: the same error in the candidate is no "match".
    v = judge_trial(check(), err, err)
    assert not v.passed and "grader fault" in v.detail
    assert reference_defects([check()], {"p": {0: err}}, [{"probe": "p", "trial": 0, "seed": 1}])
    declared = check(reference_raises="RuntimeError")
    assert judge_trial(declared, err, err).passed
    assert not judge_trial(declared, {"error": {"type": "ValueError", "message": ""}}, err).passed
    assert not judge_trial(declared, obs(fl(1.0)), err).passed
    assert reference_defects([declared], {"p": {0: err}}, [{"probe": "p", "trial": 0, "seed": 1}]) == []
    # Declared to raise but returned a value, a missing trial, a missing field: all defects.
    plan = [{"probe": "p", "trial": 0, "seed": 1}, {"probe": "p", "trial": 1, "seed": 2}]
    assert len(reference_defects([declared], {"p": {0: obs(fl(1.0))}}, plan)) == 2
    assert reference_defects([check(field="x")], {"p": {0: obs(fl(1.0)), 1: obs(fl(1.0))}}, plan)


def test_an_empty_or_short_values_list_is_never_close():
    c = check(compare="allclose")
    forged = tensor([], shape=[3])
    assert not compare(forged, tensor([1.0, 2.0, 3.0]), c, approx=True).passed
    assert not compare(tensor([1.0]), tensor([1.0, 2.0]), c, approx=True).passed


def test_causes_name_type_shape_and_values():
    c = check(compare="allclose")
    assert compare(tensor([1.0], dtype="float64"), tensor([1.0]), c, approx=True).cause == "type"
    assert compare(tensor([1.0, 2.0], shape=[2, 1]), tensor([1.0, 2.0]), c, approx=True).cause == "shape"
    assert compare(tensor([1.0, 3.0]), tensor([1.0, 2.0]), c, approx=True).cause == "values"
    assert judge(c, {0: obs(tensor([1.0, 3.0]))}, {0: obs(tensor([1.0, 2.0]))}).cause == "values"


def test_missing_trial_fails_and_every_trial_must_pass():
    c = check(compare="allclose")
    ref = {0: obs(fl(1.0)), 1: obs(fl(2.0))}
    assert judge(c, {0: obs(fl(1.0)), 1: obs(fl(2.0))}, ref).passed
    v = judge(c, {0: obs(fl(1.0))}, ref)
    assert not v.passed and "trial 2/2" in v.detail
    assert not judge(c, {}, {}).passed  # no reference is never a pass


def test_expected_literal_and_aspects():
    v = judge_trial(
        check(field="flag", expected=True),
        obs({"kind": "dict", "items": {"flag": {"kind": "bool", "value": False}}}),
        obs({"kind": "none"}),
    )
    assert not v.passed
    shape = check(aspect="shape")
    assert judge_trial(shape, obs(tensor([0.0, 0.0], shape=[2, 1])), obs(tensor([1.0, 5.0], shape=[2, 1]))).passed
    v = judge_trial(shape, obs(tensor([0.0, 0.0])), obs(tensor([1.0, 5.0], shape=[2, 1])))
    assert not v.passed and "shape [2]" in v.detail
    assert not judge_trial(shape, obs(fl(1.0)), obs(tensor([1.0]))).passed


def test_custom_comparators():
    d = lambda **items: {"kind": "dict", "items": items}  # noqa: E731
    differ = check(compare="custom", custom="differ", fields=["a", "b"])
    assert judge_trial(differ, obs(d(a=tensor([1.0]), b=tensor([2.0]))), obs(d())).passed
    assert not judge_trial(differ, obs(d(a=tensor([1.0]), b=tensor([1.0]))), obs(d())).passed
    equal = check(compare="custom", custom="equal_fields", fields=["a", "b"])
    assert judge_trial(equal, obs(d(a=tensor([1.0]), b=tensor([1.0]))), obs(d())).passed
    dec = check(compare="custom", custom="decreasing", fields=["l"])
    seq = lambda *xs: {"kind": "list", "type": "list", "items": [fl(x) for x in xs]}  # noqa: E731
    assert judge_trial(dec, obs(d(l=seq(3.0, 2.0, 1.0))), obs(d())).passed
    assert not judge_trial(dec, obs(d(l=seq(1.0, 2.0))), obs(d())).passed
    assert not judge_trial(dec, obs(d(l=seq(3.0, "nan", 1.0))), obs(d())).passed
    scalars = {"kind": "list", "type": "list", "items": [tensor([3.0], shape=[]), tensor([1.0], shape=[])]}
    assert judge_trial(dec, obs(d(l=scalars)), obs(d())).passed  # 0-d tensors read as numbers


def test_verdict_is_plain_data():
    assert Verdict(True) == Verdict(True, "")


def test_failing_line_is_the_innermost_submission_frame_never_the_message():
    tb = (
        "Traceback (most recent call last):\n"
        '  File "/tmp/x/probes.py", line 3, in probe_basic\n'
        '  File "submission.py", line 7, in standardize\n'
        '  File "submission.py", line 12, in _helper\n'
        '  File "/venv/numpy/core/_methods.py", line 40, in _mean\n'
        'ValueError: bad\n  File "submission.py", line 99, in forged\n'
    )
    assert failing_line({"type": "ValueError", "message": "bad", "traceback": tb}) == 12
    assert failing_line({"type": "builtins.ValueError", "message": "bad", "traceback": tb}) == 12
    assert failing_line({"type": "KeyError", "message": "k", "traceback": "KeyError: 'k'\n"}) is None
    assert failing_line(None) is None and failing_line({}) is None
