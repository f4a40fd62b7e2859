import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        # Fails on an image batch of shape [N, 1, 28, 28]: fix it.
        return self.fc(x)
