"""Parsing the untrusted channel: exactly the planned messages, anything else is tampering."""

from __future__ import annotations

import json

from grader.observations import Observations, parse_channel

PLAN = [{"probe": "p", "trial": 0, "seed": 1}, {"probe": "p", "trial": 1, "seed": 2}]
VALUE = {"kind": "int", "type": "int", "value": 1}
START, READY = {"event": "start"}, {"event": "ready"}


def stream(*msgs) -> bytes:
    return b"".join(json.dumps(m).encode() + b"\n" for m in msgs)


def ob(trial, **kw):
    return {"event": "observation", "probe": "p", "trial": trial, **kw}


def test_a_clean_stream_parses():
    obs = parse_channel(stream(START, READY, ob(0, value=VALUE), ob(1, error={"type": "E", "message": "m"}), {"event": "done"}), PLAN)
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
