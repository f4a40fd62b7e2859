# expect: full
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler, SequentialSampler


class PairDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        self.features = features
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        x = torch.from_numpy(np.asarray(self.features[idx], dtype=np.float32))
        if self.transform is not None:
            x = self.transform(x)
        y = torch.tensor(int(self.labels[idx]), dtype=torch.long)
        return x, y


def make_loader(dataset, batch_size, shuffle, seed):
    if shuffle:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    else:
        sampler = SequentialSampler(dataset)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=0)
