# expect: fail=numpy_dtypes
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class PairDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        self.features = torch.tensor(np.array(features, dtype=np.float32))
        labels = np.array(labels)  # a C-ordered copy
        labels = labels.astype(labels.dtype.newbyteorder("="))  # native byte order, for torch
        # but it keeps the labels' own integer dtype: int32 or uint8 labels stay int32 / uint8
        self.labels = torch.from_numpy(labels)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        x = self.features[idx]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.labels[idx]


def make_loader(dataset, batch_size, shuffle, seed):
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(seed))
