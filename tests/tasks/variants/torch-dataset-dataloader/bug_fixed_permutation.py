# expect: fail=reshuffles
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class PairDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        self.features = torch.from_numpy(np.array(features, dtype=np.float32))
        self.labels = torch.from_numpy(np.array(labels, dtype=np.int64))
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        x = self.features[idx]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.labels[idx]


def make_loader(dataset, batch_size, shuffle, seed):
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(dataset), generator=g).tolist() if shuffle else list(range(len(dataset)))
    return DataLoader(dataset, batch_size=batch_size, sampler=order)  # the same permutation every epoch
