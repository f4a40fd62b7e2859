"""grader.harness.kit: the helpers probes share."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from grader.harness import kit


@contextlib.contextmanager
def patched_clone(torch):
    """torch.Tensor.clone replaced for a while (what a hostile candidate does), then restored."""
    own = torch.Tensor.__dict__.get("clone")
    torch.Tensor.clone = lambda self, *a, **k: "patched"
    try:
        yield
    finally:
        if own is None:
            del torch.Tensor.clone
        else:
            torch.Tensor.clone = own


def test_np_rng_is_seeded_from_sub_seed():
    a, b = kit.np_rng(7, "x", 1), kit.np_rng(7, "x", 1)
    assert a.standard_normal(3).tolist() == b.standard_normal(3).tolist()
    want = np.random.default_rng(kit.sub_seed(7, "x", 1)).standard_normal(3)
    assert kit.np_rng(7, "x", 1).standard_normal(3).tolist() == want.tolist()
    assert kit.np_rng(7, "y").standard_normal(3).tolist() != want.tolist()


def test_small_seed():
    assert kit.small_seed(3, "a") == kit.sub_seed(3, "a") % 100_000
    assert kit.small_seed(3, "a", below=10) < 10


@pytest.mark.parametrize("value", [2.5, np.float32(2.5), np.array(2.5), np.array([2.5])])
def test_scalar_reads_single_numbers(value):
    assert kit.scalar(value) == 2.5 and type(kit.scalar(value)) is float
    arr = kit.scalar_array(value)
    assert type(arr) is np.ndarray and arr.shape == () and arr.dtype == np.float64


def test_scalar_failures():
    with pytest.raises(ValueError):
        kit.scalar([1.0, 2.0])  # the conversion's own error
    with pytest.raises(TypeError, match="^train_step returned list, which is not a single number$"):
        kit.scalar([1.0, 2.0], "train_step")
    assert kit.scalar_array("x", default=None) is None


def test_torch_scalar_dtype_and_snapshots():
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.5], requires_grad=True) * 2
    s = kit.scalar_tensor(t)
    assert s.dtype == torch.float64 and s.shape == () and not s.requires_grad and s.item() == 3.0
    assert kit.scalar(t) == 3.0
    assert kit.scalar_tensor(None, default=None) is None
    with pytest.raises(TypeError, match="step returned NoneType"):
        kit.scalar_tensor(None, "step")
    assert kit.dtype_name(t) == "float32" and kit.dtype_name(torch.int64) == "int64"

    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    model(torch.randn(4, 2)).sum().backward()
    params, grads, state = kit.params_of(model), kit.grads_of(model), kit.state_of(model)
    assert list(params) == [n for n, _ in model.named_parameters()]
    assert "1.running_mean" in state and set(grads) == set(params)
    with torch.no_grad():
        model[0].weight.add_(1.0)
    assert not torch.equal(params["0.weight"], model[0].weight)  # copies, not views
    assert kit.snapshot([None, model[0].bias])[0] is None
    assert [p.shape for p in kit.param_list(model)] == [p.shape for p in model.parameters()]


def test_dtype_name_numpy():
    assert kit.dtype_name(np.zeros(2, ">f8")) == "float64"
    assert kit.dtype_name(np.dtype("int16")) == "int16"
    assert kit.dtype_name(3) is None


def test_capture_keeps_originals_and_getters():
    torch = pytest.importorskip("torch")
    detach, requires_grad = kit.capture(torch._C.TensorBase, "detach", "requires_grad")
    assert detach is torch._C.TensorBase.detach
    assert requires_grad(torch.ones(1, requires_grad=True)) is True
    clone = kit.capture(torch.Tensor, "clone")
    with patched_clone(torch):
        assert torch.ones(2).clone() == "patched"
        assert clone(torch.ones(2)).tolist() == [1.0, 1.0]
    with pytest.raises(TypeError):
        kit.capture(torch)


def test_prepare_makes_snapshot_immune_to_later_patches():
    torch = pytest.importorskip("torch")
    kit.prepare()
    with patched_clone(torch):
        assert kit.snapshot(torch.ones(2)).tolist() == [1.0, 1.0]


def test_keras_init_ignores_creation_order_and_global_names():
    pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")

    def build():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
        model(np.zeros((1, 3), "float32"))
        return model

    a, b = build(), build()  # the second has other global names (dense_2, dense_3)
    kit.keras_init(a, 11)
    kit.keras_init(b, 11)
    for va, vb in zip(a.trainable_variables, b.trainable_variables):
        assert np.array_equal(np.asarray(va), np.asarray(vb))
    kit.keras_init(b, 12, lambda rng, shape, name: np.full(shape, 0.5), key="shape")
    assert all(np.all(np.asarray(v) == 0.5) for v in b.trainable_variables)
    with pytest.raises(ValueError, match="unknown key"):
        kit.keras_init(a, 1, key="order")
