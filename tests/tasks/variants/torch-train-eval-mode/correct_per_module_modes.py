# expect: full
import torch


@torch.no_grad()
def predict(model, x):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        logits = model(x)
        exp = torch.exp(logits - logits.max(dim=1, keepdim=True).values)
        return exp / exp.sum(dim=1, keepdim=True)
    finally:
        for m, mode in modes.items():
            m.training = mode
