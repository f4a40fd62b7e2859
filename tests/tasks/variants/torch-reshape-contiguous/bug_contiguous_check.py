# expect: fail=view_shares_noncontiguous


def to_channels_last_flat(x):
    n, c, h, w = x.shape
    return x.permute(0, 2, 3, 1).reshape(n, h * w, c).contiguous()


def safe_view(x, shape):
    if x.is_contiguous():
        return x.view(shape)
    return x.contiguous().view(shape)  # copies even when a view was possible
