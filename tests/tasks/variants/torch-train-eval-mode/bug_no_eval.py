# expect: fail=eval_mode
import torch


def predict(model, x):
    # forgot model.eval(): dropout stays on, batch norm uses (and updates) batch statistics
    with torch.no_grad():
        return torch.softmax(model(x), dim=1)
