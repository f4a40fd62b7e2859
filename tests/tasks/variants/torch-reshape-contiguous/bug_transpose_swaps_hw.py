# expect: fail=flat_values


def to_channels_last_flat(x):
    n, c, h, w = x.shape
    return x.transpose(1, 3).reshape(n, h * w, c)  # [N, W, H, C]: pixels in column order


def safe_view(x, shape):
    return x.reshape(shape)
