# expect: fail=transform
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class PairDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        self.features = torch.from_numpy(np.array(features, dtype=np.float32))
        if transform is not None:
            self.features = transform(self.features)  # once, for the whole dataset
        self.labels = torch.from_numpy(np.array(labels, dtype=np.int64))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.features[idx], self.labels[idx]


def make_loader(dataset, batch_size, shuffle, seed):
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(seed))
