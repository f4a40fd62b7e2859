# expect: full
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        x = self.flatten(x)
        return self.fc(x)
