# expect: fail=flat_contiguous


def to_channels_last_flat(x):
    return x.flatten(2).transpose(1, 2)  # right values, but a non-contiguous view


def safe_view(x, shape):
    return x.reshape(shape)
