# expect: fail=trains
import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(2, 1)

    def forward(self, inputs):
        out = self.dense(inputs)
        return out.detach().requires_grad_()
