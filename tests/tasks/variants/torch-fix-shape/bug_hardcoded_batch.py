# expect: fail=output_shape,output_dtype,output_values,noncontiguous_input,batch_of_one,gradient
# Batch size hard-coded to the training script's 32.
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x.reshape(32, 784))
