"""EfficientNet-Lite in NumPy: the same features as timm's network, to float32 rounding."""

import numpy as np
import pytest

from latentcut.encoders.efficientnet_lite import EfficientNetLite, _same_pad
from latentcut.errors import CheckpointError



@pytest.mark.parametrize("size,k,stride,pad", [(128, 3, 2, (0, 1)), (128, 5, 2, (1, 2)), (127, 3, 2, (1, 1)),
                                               (127, 5, 2, (2, 2)), (64, 3, 1, (1, 1)), (64, 5, 1, (2, 2)),
                                               (1, 3, 2, (1, 1)), (2, 5, 2, (1, 2))])
def test_same_padding_is_tensorflows(size, k, stride, pad):
    assert _same_pad(size, k, stride) == pad
    out = (size + sum(pad) - k) // stride + 1
    assert out == -(-size // stride)  # "same": the output is the input over the stride, rounded up


def _random_timm_lite0(seed=0):
    """timm's tf_efficientnet_lite0 with random weights and random BatchNorm statistics (so the
    folding is exercised), and its state dict as NumPy arrays."""
    torch = pytest.importorskip("torch")
    timm = pytest.importorskip("timm")
    torch.manual_seed(seed)
    net = timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=0).eval()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return net, {k: v.numpy() for k, v in net.state_dict().items()}


@pytest.mark.parametrize("shape", [(2, 128, 128), (1, 100, 157), (1, 127, 64), (1, 33, 33)])
def test_numpy_forward_equals_timm(shape):
    torch = pytest.importorskip("torch")
    net, tensors = _random_timm_lite0()
    frames = np.random.default_rng(1).random((*shape, 3), dtype=np.float32)
    with torch.no_grad():
        want = net((torch.from_numpy(frames).permute(0, 3, 1, 2) - 0.5) / 0.5).numpy()
    got = EfficientNetLite(tensors)(frames)
    assert got.shape == want.shape == (shape[0], 1280)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_the_architecture_is_read_from_the_weights():
    _, tensors = _random_timm_lite0()
    net = EfficientNetLite(tensors)
    assert net.depths == (1, 2, 2, 3, 3, 4, 1) and net.num_features == 1280
    assert [r for _, r in net.blocks] == [False, False, True, False, True, False, True, True, False, True, True,
                                          False, True, True, True, False]  # timm's has_skip per block
    with pytest.raises(CheckpointError, match="missing"):
        EfficientNetLite({k: v for k, v in tensors.items() if k != "blocks.3.1.bn2.running_var"})
    with pytest.raises(CheckpointError, match="no blocks"):
        EfficientNetLite({k: v for k, v in tensors.items() if not k.startswith("blocks.")})
