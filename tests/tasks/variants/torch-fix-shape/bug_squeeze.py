# expect: fail=batch_of_one
# squeeze() drops the batch dimension when N == 1.
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        x = x.squeeze()
        x = x.reshape(x.shape[0], -1)
        return self.fc(x)
