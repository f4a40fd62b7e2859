# expect: full
import torch


def predict(model, x):
    prev = {name: m.training for name, m in model.named_modules()}
    model.train(False)
    with torch.set_grad_enabled(False):
        out = torch.log_softmax(model(x), dim=1).exp()
    for name, m in model.named_modules():
        m.train(mode=prev[name])  # pre-order: a parent first, then each child gets its own mode
    return out
