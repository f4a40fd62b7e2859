# expect: fail=probabilities,eval_mode,buffers_unchanged,single_sample
import torch


def predict(model, x):
    # forgot model.eval(): dropout stays on, batch norm uses (and updates) batch statistics
    with torch.no_grad():
        return torch.softmax(model(x), dim=1)
