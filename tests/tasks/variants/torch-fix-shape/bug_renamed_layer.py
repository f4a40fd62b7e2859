# expect: fail=fc_layer
# Correct maths, but the layer `fc` is replaced by a Sequential under another name.
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))

    def forward(self, x):
        return self.net(x)
