# expect: full
import torch


def predict(model, x):
    prev = model.training
    model.train(False)
    with torch.set_grad_enabled(False):
        out = torch.log_softmax(model(x), dim=1).exp()
    model.train(mode=prev)
    return out
