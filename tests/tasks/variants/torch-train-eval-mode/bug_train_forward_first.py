# expect: fail=eval_mode
import torch


def predict(model, x):
    was_training = {m: m.training for m in model.modules()}
    with torch.no_grad():
        model(x)  # "refresh" batch norm statistics on this batch first: updates running stats
        model.eval()
        probs = torch.softmax(model(x), dim=1)
    for m, t in was_training.items():
        m.training = t
    return probs
