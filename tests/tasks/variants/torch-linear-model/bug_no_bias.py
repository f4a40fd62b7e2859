# expect: fail=one_linear_2_1,output_values,trains
import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(2, 1, bias=False)

    def forward(self, inputs):
        return self.dense(inputs)
