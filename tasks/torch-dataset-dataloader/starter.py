import torch
from torch.utils.data import DataLoader, Dataset


class PairDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        self.features = features
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.features)

    def __getitem__(self, idx):
        # TODO: return (feature tensor, label tensor) as the statement specifies
        return self.features[idx], self.labels[idx]


def make_loader(dataset, batch_size, shuffle, seed):
    # TODO: make the shuffling reproducible with `seed`
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)
