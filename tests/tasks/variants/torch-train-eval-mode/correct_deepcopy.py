# expect: full
import copy

import torch


def predict(model, x):
    # run a throw-away copy: the caller's model keeps its mode and its statistics
    frozen = copy.deepcopy(model).eval()
    with torch.no_grad():
        return frozen(x).softmax(dim=1)
