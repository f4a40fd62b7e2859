# expect: fail=no_graph
import torch


def predict(model, x):
    was_training = {m: m.training for m in model.modules()}
    model.eval()
    probs = torch.softmax(model(x), dim=1)  # eval() alone does not stop autograd
    for m, t in was_training.items():
        m.training = t
    return probs
