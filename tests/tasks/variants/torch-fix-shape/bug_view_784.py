# expect: fail=noncontiguous_input
# .view on a non-contiguous batch raises RuntimeError.
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x.view(-1, 784))
