# expect: fail=transform
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
        x, y = self.features[idx], self.labels[idx]
        if self.transform is not None:
            x, y = self.transform(x), self.transform(y)  # the label must not be transformed
        return x, y


def make_loader(dataset, batch_size, shuffle, seed):
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(seed))
