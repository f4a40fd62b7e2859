# expect: full
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super(MLP, self).__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        # 1 * 28 * 28 = 784 features per image; -1 infers the batch size
        return self.fc(x.reshape(-1, 784))
