# expect: fail=single_sample
import torch


def predict(model, x):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            return torch.softmax(model(x), dim=-1).squeeze()  # drops the batch dimension when N == 1
    finally:
        for m, training in modes.items():
            m.training = training
