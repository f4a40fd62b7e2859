"""Parsing the untrusted channel: exactly the planned messages, anything else is tampering."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from grader.judge import judge
from grader.models import Check
from grader.observations import Observations, parse_channel

PLAN = [{"probe": "p", "trial": 0, "seed": 1}, {"probe": "p", "trial": 1, "seed": 2}]
VALUE = {"kind": "int", "type": "int", "value": 1}
START, READY = {"event": "start"}, {"event": "ready"}


def stream(*msgs) -> bytes:
    return b"".join(json.dumps(m).encode() + b"\n" for m in msgs)


def ob(trial, **kw):
    return {"event": "observation", "probe": "p", "trial": trial, **kw}


def test_a_clean_stream_parses():
    obs = parse_channel(
        stream(START, READY, ob(0, value=VALUE), ob(1, error={"type": "E", "message": "m"}), {"event": "done"}), PLAN
    )
    assert obs.done and not obs.tampered
    assert obs.by_probe["p"][0] == {"value": VALUE}
    assert obs.by_probe["p"][1]["error"]["type"] == "E"


def test_duplicates_extra_lines_and_garbage_are_tampering():
    start = {"event": "start"}
    cases = [
        stream(start, ob(0, value=VALUE)),  # observation before ready
        stream(start, READY, READY),
        stream(READY),
        stream(start, READY, ob(0, value=VALUE), ob(0, value=VALUE)),
        stream(start, start),
        stream(ob(0, value=VALUE)),
        stream(start, READY, ob(0, value=VALUE), ob(1, value=VALUE), {"event": "done"}, {"event": "done"}),
        stream(start, READY, {"event": "done"}),
        stream(start, READY) + b"not json\n",
        stream(start, READY, ob(0, value=VALUE, extra=1)),
        stream(start, READY, ob(0)),
        stream(start, READY, {"status": "graded", "score": 10}),
    ]
    for raw in cases:
        assert parse_channel(raw, PLAN).tampered, raw


def test_a_torn_last_line_is_not_tampering_and_keeps_earlier_observations():
    raw = stream(START, READY, ob(0, value=VALUE)) + b'{"event": "obs'
    obs = parse_channel(raw, PLAN)
    assert not obs.tampered and not obs.done
    assert 0 in obs.by_probe["p"]


def test_round_trip_for_the_reference_cache():
    obs = parse_channel(stream(START, READY, ob(0, value=VALUE), ob(1, value=VALUE), {"event": "done"}), PLAN)
    again = Observations.from_json(json.loads(json.dumps(obs.to_json())))
    assert again.by_probe == obs.by_probe and again.done


# --- property test: whatever arrives on the channel, the parser and the judge give a result ---

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=30,
)
KINDS = st.sampled_from(["none", "bool", "int", "float", "str", "list", "dict", "tensor", "ndarray", "object", "bogus"])
ENCODED = st.recursive(
    st.fixed_dictionaries(
        {"kind": KINDS},
        optional={
            "type": st.text(max_size=10),
            "value": SCALARS,
            "dtype": st.sampled_from(["float32", "int64", "bool"]),
            "shape": st.lists(st.integers(-2, 4), max_size=3),
            "values": st.one_of(st.none(), st.lists(SCALARS, max_size=6)),
        },
    ),
    lambda inner: st.fixed_dictionaries(
        {"kind": st.sampled_from(["list", "dict"]), "type": st.just("list")},
        optional={
            "items": st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4))
        },
    ),
    max_leaves=12,
)
CHECKS = [
    Check(id="a", title="t", points=1, probe="p", compare="allclose"),
    Check(id="b", title="t", points=1, probe="p", field="x.0", compare="exact"),
    Check(id="c", title="t", points=1, probe="p", aspect="shape"),
    Check(id="d", title="t", points=1, probe="p", compare="custom", custom="decreasing", fields=["x"]),
    Check(id="e", title="t", points=1, probe="p", compare="custom", custom="differ", fields=["x", "y"]),
    Check(id="f", title="t", points=1, probe="p", expected=[1, 2]),
]


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(JSONISH, ENCODED), min_size=1, max_size=3), st.binary(max_size=50))
def test_garbage_never_raises_in_the_parser_or_the_judge(values, noise):
    lines = [START, READY] + [ob(i % 2, value=v) for i, v in enumerate(values[:2])] + [{"event": "done"}]
    raw = b"".join(json.dumps(m, allow_nan=True).encode() + b"\n" for m in lines)
    for blob in (raw, raw + noise, noise + raw, raw[: len(raw) // 2]):
        obs = parse_channel(blob, PLAN)  # never raises
        cand = obs.by_probe.get("p", {})
        for check in CHECKS:
            for ref in values:
                verdict = judge(check, cand, {0: {"value": ref}, 1: {"value": ref}})  # never raises
                assert isinstance(verdict.passed, bool)


@hsettings(max_examples=300, deadline=None)
@given(ENCODED)
def test_a_value_that_parses_is_one_the_judge_can_compare_with_itself(value):
    obs = parse_channel(stream(START, READY, ob(0, value=value), ob(1, value=value), {"event": "done"}), PLAN)
    if obs.done:  # accepted as well-formed
        for check in CHECKS[:3]:
            judge(check, obs.by_probe["p"], obs.by_probe["p"])
