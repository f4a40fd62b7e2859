# expect: full
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


def _array(data, dtype):
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    # ascontiguousarray: a C-ordered, native-byte-order copy when the layout needs one
    return np.ascontiguousarray(data, dtype=dtype)


class PairDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        self.x = torch.as_tensor(_array(features, np.float32))
        self.y = torch.as_tensor(_array(labels, np.int64))
        self.transform = transform

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, idx):
        x = self.x[idx].clone()
        return (self.transform(x) if self.transform else x), self.y[idx]


def make_loader(dataset, batch_size, shuffle, seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return DataLoader(dataset, batch_size, shuffle, generator=g)
