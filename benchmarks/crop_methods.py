"""Our crop pipeline with other saliency stages, as ``crop_bench.py`` methods.

``crop_bench.py`` takes ``MODULE:FUNCTION`` methods and finds modules in the working
directory, so from the project's root::

    python ../shared/eval/crop_bench.py ... \\
        --method benchmarks.crop_methods:fastgaze_stage \\
        --method smartcrop_plugins.imageops:smartcrop_box

compares the default pipeline with the same pipeline on FastGaze saliency, in one run.
``hand_set_ranker`` and ``mass_only_ranker`` keep the default saliency and faces but rank
windows with the hand-set weights the project used before it learned a ranker, or by
saliency mass alone: what the learned ranker adds, measured in the same run.
``unguarded_faces`` and ``no_faces`` keep the learned ranker but drop the extra penalty
for cutting a face, or face detection altogether: what protecting faces costs in gain.
"""

from __future__ import annotations

from functools import cache

from PIL import Image

from smartcrop_core import Ranker, SmartCropper
from smartcrop_plugins.imageops import smartcrop_box


def fastgaze_stage(image: Image.Image, aspect: float, *, zoom: float) -> tuple[int, ...]:
    """The default pipeline with Twitter's FastGaze (+ centre prior) as the saliency stage."""
    return smartcrop_box(image, aspect, zoom=zoom, model="fastgaze")


def deepgaze_stage(image: Image.Image, aspect: float, *, zoom: float) -> tuple[int, ...]:
    """The default pipeline with our DeepGaze-MobileNetV2 readout as the saliency stage."""
    return smartcrop_box(image, aspect, zoom=zoom, model="deepgaze-mobilenet-v2")


def hand_set_ranker(image: Image.Image, aspect: float, *, zoom: float) -> tuple[int, ...]:
    """The default pipeline ranking windows with the former hand-set weights."""
    return _cropper("hand-set").crop(image, aspect, zoom=zoom).box.to_pillow()


def mass_only_ranker(image: Image.Image, aspect: float, *, zoom: float) -> tuple[int, ...]:
    """The default pipeline ranking windows by the saliency mass they keep, nothing else."""
    return _cropper("mass").crop(image, aspect, zoom=zoom).box.to_pillow()


def unguarded_faces(image: Image.Image, aspect: float, *, zoom: float) -> tuple[int, ...]:
    """The default pipeline without the face guard: faces count only through the ranker."""
    return _cropper(face_guard=0.0).crop(image, aspect, zoom=zoom).box.to_pillow()


def no_faces(image: Image.Image, aspect: float, *, zoom: float) -> tuple[int, ...]:
    """The default pipeline without face detection."""
    return _cropper(faces=False).crop(image, aspect, zoom=zoom).box.to_pillow()


@cache
def _cropper(ranking: str | None = None, **settings: float | bool) -> SmartCropper:
    ranker = Ranker.linear({"mass": 1.0}) if ranking == "mass" else ranking
    return SmartCropper(ranker=ranker, **settings)
