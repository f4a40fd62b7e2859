# expect: full
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler


class PairDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        # through Python floats: any container, dtype or memory layout converts
        self.rows = [torch.tensor([float(v) for v in row], dtype=torch.float32) for row in features]
        self.labels = [torch.tensor(int(label), dtype=torch.int64) for label in labels]
        self.transform = transform

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, idx):
        features = self.rows[idx]
        if self.transform:
            features = self.transform(features)
        return features, self.labels[idx]


def make_loader(dataset, batch_size, shuffle, seed):
    gen = torch.Generator().manual_seed(seed)
    base = RandomSampler(dataset, generator=gen) if shuffle else SequentialSampler(dataset)
    return DataLoader(dataset, batch_sampler=BatchSampler(base, batch_size=batch_size, drop_last=False))
