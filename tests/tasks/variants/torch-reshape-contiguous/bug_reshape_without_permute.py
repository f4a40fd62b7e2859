# expect: fail=flat_values


def to_channels_last_flat(x):
    n, c, h, w = x.shape
    return x.reshape(n, h * w, c)  # right shape, wrong element order: no permute


def safe_view(x, shape):
    return x.reshape(shape)
