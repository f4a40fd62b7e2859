import torch

from grader.harness.kit import canonical_init, capture, generator, modules_of, randn, sub_seed

# Captured when the probes load, before the candidate's module is imported.
_DROPOUT = capture(torch.nn.functional, "dropout")
_ONES_LIKE, _MANUAL_SEED = capture(torch, "ones_like", "manual_seed")
_DETACH, _CLONE, _MUL, _ABS, _SUM, _GT, _ALL, _INDEX_SELECT, _RESHAPE = capture(
    torch._C.TensorBase, "detach", "clone", "mul", "abs", "sum", "gt", "all", "index_select", "reshape"
)

# (vocab_size, embed_dim, num_classes) per trial
DIMS = {0: (50, 8, 2), 1: (120, 16, 5), 2: (200, 32, 4)}
# (batch, seq_len) per trial; batch != seq_len so a model that reads the batch as time is caught
EVAL_SHAPE = {0: (1, 7), 1: (4, 12), 2: (6, 1)}  # a batch of one, a sequence of one
TRAIN_SHAPE = {0: (3, 6), 1: (5, 9), 2: (8, 4)}
GRAD_SHAPE = {0: (2, 5), 1: (3, 8), 2: (1, 3)}


def _model(mod, seed, trial):
    vocab, embed, classes = DIMS[trial]
    torch.manual_seed(seed)
    model = mod.TextClassifier(vocab, embed, classes)
    canonical_init(model, seed)
    return model


def _tokens(seed, trial, shape, label):
    vocab = DIMS[trial][0]
    return torch.randint(0, vocab, shape, generator=generator(seed, label), dtype=torch.long)


def probe_structure(mod, seed, trial):
    vocab, embed, classes = DIMS[trial]
    model = mod.TextClassifier(vocab, embed, classes)
    nn = torch.nn
    return {
        "embeddings": [[m.num_embeddings, m.embedding_dim] for m in modules_of(model, nn.Embedding)],
        "lstms": [
            {
                "input_size": m.input_size,
                "hidden_size": m.hidden_size,
                "num_layers": m.num_layers,
                "bidirectional": m.bidirectional,
                "batch_first": m.batch_first,
                "bias": m.bias,
            }
            for m in modules_of(model, nn.LSTM)
        ],
        "other_rnns": len(modules_of(model, nn.GRU)) + len(modules_of(model, nn.RNN)),
        "linears": sorted([m.in_features, m.out_features, m.bias is not None] for m in modules_of(model, nn.Linear)),
        "n_params": sum(p.numel() for p in model.parameters()),
    }


def probe_eval(mod, seed, trial):
    model = _model(mod, seed, trial)
    model.eval()
    x = _tokens(seed, trial, EVAL_SHAPE[trial], "eval-x")
    with torch.no_grad():
        torch.manual_seed(sub_seed(seed, "eval-a"))
        first = model(x)
        torch.manual_seed(sub_seed(seed, "eval-b"))
        again = model(x)
    return {"logits": first, "again": again}


def _head_input(model, classes):
    """The last Linear(64, num_classes): its input is the head's 64 units after dropout."""
    heads = [m for m in modules_of(model, torch.nn.Linear) if m.in_features == 64 and m.out_features == classes]
    return heads[-1]


def probe_dropout_pattern(mod, seed, trial):
    """Two train-mode passes under seeds s1, s2; h1, h2 = the inputs of Linear(64, num_classes).
    With exactly one dropout(p=0.3) on the 64 units, h_i = clean * m_i where m_i is the scaled
    mask torch's dropout draws under s_i, so h1 * m2 == h2 * m1. The probe returns both sides
    (judged against each other: neither the eval mode nor the LSTM/ReLU values count here)."""
    model = _model(mod, seed, trial)
    classes = DIMS[trial][2]
    seen = {}
    handle = _head_input(model, classes).register_forward_hook(
        lambda m, inputs, out: seen.__setitem__("h", _CLONE(_DETACH(inputs[0])))
    )
    x = _tokens(seed, trial, TRAIN_SHAPE[trial], "train-x")
    hidden, masks = [], []
    with torch.no_grad():
        model.train()
        for label in ("pattern-a", "pattern-b"):
            s = sub_seed(seed, label)
            _MANUAL_SEED(s)
            model(x)
            hidden.append(seen["h"])
            _MANUAL_SEED(s)
            masks.append(_DROPOUT(_ONES_LIKE(seen["h"]), 0.3, True))
    handle.remove()
    return {"h1_times_m2": _MUL(hidden[0], masks[1]), "h2_times_m1": _MUL(hidden[1], masks[0])}


def probe_grad(mod, seed, trial):
    """Whether backpropagation from the logits gives a nonzero gradient to every embedding row the
    input uses (a flag about what the candidate's graph does, not its values)."""
    model = _model(mod, seed, trial)
    model.eval()
    x = _tokens(seed, trial, GRAD_SHAPE[trial], "grad-x")
    logits = model(x)
    w = randn(seed, *logits.shape, label="grad-w")
    (logits * w).sum().backward()
    embeddings = modules_of(model, torch.nn.Embedding)
    grad = embeddings[0].weight.grad if embeddings else None
    if grad is None:
        return {"embedding_rows_get_gradient": False}
    rows = _INDEX_SELECT(grad, 0, _RESHAPE(x, (-1,)))
    return {"embedding_rows_get_gradient": bool(_ALL(_GT(_SUM(_ABS(rows), 1), 0)))}
