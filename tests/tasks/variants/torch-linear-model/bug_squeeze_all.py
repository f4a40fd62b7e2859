# expect: fail=output_shape
import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs):
        # squeeze() drops the batch dimension too for a batch of one: [1, 1] -> []
        return self.linear(inputs).squeeze()
