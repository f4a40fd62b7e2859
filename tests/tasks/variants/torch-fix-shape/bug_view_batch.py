# expect: fail=noncontiguous_input
# x.view(N, -1) without .contiguous() raises on a permuted/sliced batch.
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x.view(x.size(0), -1))
