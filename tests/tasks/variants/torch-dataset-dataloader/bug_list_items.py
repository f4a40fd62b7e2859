# expect: fail=item_is_tuple
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class PairDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        self.features = torch.tensor(np.array(features, dtype=np.float32))
        self.labels = torch.tensor(np.array(labels, dtype=np.int64))
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        x = self.features[idx]
        if self.transform is not None:
            x = self.transform(x)
        return [x, self.labels[idx]]  # a list, not the tuple the contract asks for


def make_loader(dataset, batch_size, shuffle, seed):
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(seed))
