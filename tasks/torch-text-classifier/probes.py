import torch

from grader.harness.kit import canonical_init, generator, modules_of, randn, sub_seed

# (vocab_size, embed_dim, num_classes) per trial
DIMS = {0: (50, 8, 2), 1: (120, 16, 5), 2: (200, 32, 4)}
# (batch, seq_len) per trial; batch != seq_len so a model that reads the batch as time is caught
EVAL_SHAPE = {0: (1, 7), 1: (4, 12), 2: (6, 2)}
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


def probe_train(mod, seed, trial):
    model = _model(mod, seed, trial)
    model.train()
    x = _tokens(seed, trial, TRAIN_SHAPE[trial], "train-x")
    with torch.no_grad():
        torch.manual_seed(sub_seed(seed, "train-a"))
        train_a = model(x)
        torch.manual_seed(sub_seed(seed, "train-b"))
        train_b = model(x)
    return {"train_a": train_a, "train_b": train_b}


def probe_grad(mod, seed, trial):
    model = _model(mod, seed, trial)
    model.eval()
    x = _tokens(seed, trial, GRAD_SHAPE[trial], "grad-x")
    logits = model(x)
    w = randn(seed, *logits.shape, label="grad-w")
    (logits * w).sum().backward()
    embeddings = modules_of(model, torch.nn.Embedding)
    return {"embedding_grad": embeddings[0].weight.grad if embeddings else None}
