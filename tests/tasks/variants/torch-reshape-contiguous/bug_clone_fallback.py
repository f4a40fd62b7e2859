# expect: fail=view_copy_when_needed


def to_channels_last_flat(x):
    n, c, h, w = x.shape
    return x.permute(0, 2, 3, 1).reshape(n, h * w, c).contiguous()


def safe_view(x, shape):
    try:
        return x.view(shape)
    except RuntimeError:
        # clone() keeps x's strides (preserve_format), so this view raises again
        return x.clone().view(shape)
