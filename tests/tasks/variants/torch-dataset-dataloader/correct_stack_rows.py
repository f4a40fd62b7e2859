# expect: full
import numpy as np
import torch
from torch.utils import data


class PairDataset(data.Dataset):
    def __init__(self, features, labels, transform=None):
        array = np.array(features, dtype=np.float64)
        self.features = torch.stack([torch.tensor(r, dtype=torch.float32) for r in array])
        self.labels = torch.tensor(np.array(labels, dtype=np.int64))
        self.transform = transform

    def __len__(self):
        return int(self.labels.numel())

    def __getitem__(self, index):
        sample = self.features[index]
        label = self.labels[index]
        if self.transform is not None:
            sample = self.transform(sample)
        return sample, label


def make_loader(dataset, batch_size, shuffle, seed):
    return data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=False,
        generator=torch.Generator().manual_seed(int(seed)),
    )
