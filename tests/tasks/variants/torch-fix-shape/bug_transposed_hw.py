# expect: fail=output_values,gradient
# Flattens column-major (H and W swapped): right shape, wrong features.
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        x = x.permute(0, 1, 3, 2).reshape(x.size(0), -1)
        return self.fc(x)
