"""The harness's encoder: plain data with exact types, whatever the candidate returns or patches."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from grader.harness import observe


@pytest.fixture(autouse=True)
def captured():
    observe.capture()


def test_tensor_encoding_is_plain_and_complete():
    t = torch.tensor([[1.0, float("nan")], [float("inf"), -2.5]], requires_grad=True) * 1
    enc = observe.encode(t)
    assert enc["kind"] == "tensor" and enc["dtype"] == "float32" and enc["shape"] == [2, 2]
    assert enc["values"] == [1.0, "nan", "inf", -2.5]
    assert enc["requires_grad"] and enc["has_grad_fn"]
    json.dumps(enc, allow_nan=False)  # strictly valid JSON


def test_subclasses_are_observed_as_their_plain_values():
    class Liar(float):
        def __eq__(self, other):
            return True

        def __float__(self):
            return 42.0

    class LyingTensor(torch.Tensor):
        def tolist(self):
            return [0.0]

        def __eq__(self, other):
            return True

    f = observe.encode(Liar(1.5))
    assert f["kind"] == "float" and f["value"] == 1.5 and f["type"].endswith("Liar")
    t = observe.encode(torch.tensor([3.0, 4.0]).as_subclass(LyingTensor))
    assert t["values"] == [3.0, 4.0] and t["type"].endswith("LyingTensor")


def test_patching_tensor_methods_after_capture_does_not_change_observations(monkeypatch):
    monkeypatch.setattr(torch.Tensor, "tolist", lambda self: [123.0])
    monkeypatch.setattr(torch.Tensor, "detach", lambda self: torch.zeros(1))
    assert observe.encode(torch.tensor([1.0, 2.0]))["values"] == [1.0, 2.0]


def test_numpy_bfloat16_containers_and_unknown_objects():
    assert observe.encode(np.array([1, 2], dtype=np.int32))["values"] == [1, 2]
    assert observe.encode(np.float32(0.5))["kind"] == "float"
    assert observe.encode(torch.tensor([1.5], dtype=torch.bfloat16))["values"] == [1.5]
    nested = observe.encode({"a": (1, [True, None]), "b": torch.float64, "c": torch.Size([2, 3])})
    assert nested["items"]["b"] == {"kind": "str", "type": "torch.dtype", "value": "float64"}
    assert [i["value"] for i in nested["items"]["c"]["items"]] == [2, 3]
    assert observe.encode(object())["kind"] == "object"
    deep: list = []
    cur = deep
    for _ in range(50):
        cur.append([])
        cur = cur[0]
    json.dumps(observe.encode(deep))  # depth-capped, still encodable
