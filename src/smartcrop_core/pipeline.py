"""The crop pipeline: image -> analysis -> stages -> candidates -> ranking -> results.

:class:`SmartCropper` holds a configuration (saliency model, face detector, extra stages,
ranking weights) and reuses its models across calls. :func:`find_crops` is the one-call
form. Several aspect ratios and zooms share one analysis: saliency and faces run once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .analysis import Analysis, DetectFaces, PredictSaliency, Stage, run_stages
from .candidates import DEFAULT_MAX_POSITIONS, generate_candidates
from .faces import FaceDetector, NoFaceDetector, get_detector
from .geometry import Box, CropResult, as_box_array
from .imaging import DEFAULT_ANALYSIS_SIZE, ImageInput, prepare
from .params import parse_aspect, parse_zoom
from .ranking import RankingWeights, score_windows
from .saliency import SaliencyModel, get_model

__all__ = ["SmartCropper", "find_crop", "find_crops"]

AspectLike = float | str | tuple[float, float]

#: Analyses a cropper remembers, so that asking one image for one aspect at a time (as
#: thumbnail code often does) runs saliency and faces once.
ANALYSIS_CACHE_SIZE = 8


@dataclass(frozen=True)
class _Request:
    aspect: float
    zoom: float


class SmartCropper:
    """A configured crop pipeline; build once, call for many images.

    Parameters
    ----------
    model : str or SaliencyModel, optional
        Saliency model name (see :func:`smartcrop_core.saliency.available_models`) or object.
    faces : bool
        Detect faces and protect them.
    face_detector : str or FaceDetector, optional
        Face detector name or object (default YuNet).
    stages : sequence of callables
        Extra stages ``Analysis -> Analysis`` run after saliency and faces.
    analysis_size : int
        Longest side of the analysis copy.
    ranking : RankingWeights, optional
        Weights of the ranking terms.
    max_positions : int
        Grid positions per axis for candidate windows.

    Examples
    --------
    >>> import numpy as np
    >>> cropper = SmartCropper(model="spectral", faces=False)
    >>> image = np.zeros((120, 200, 3), np.uint8)
    >>> image[50:70, 150:170] = 255  # a bright square on the right
    >>> result = cropper.crop(image, aspect=1.0)
    >>> result.box.width, result.box.height, result.box.right >= 170
    (120, 120, True)
    """

    def __init__(
        self,
        *,
        model: str | SaliencyModel | None = None,
        faces: bool = True,
        face_detector: str | FaceDetector | None = None,
        stages: Sequence[Stage] = (),
        analysis_size: int = DEFAULT_ANALYSIS_SIZE,
        ranking: RankingWeights | None = None,
        max_positions: int = DEFAULT_MAX_POSITIONS,
    ) -> None:
        self.saliency_model = get_model(model)
        self.face_detector = get_detector(face_detector) if faces else NoFaceDetector()
        self.stages: tuple[Stage, ...] = (
            PredictSaliency(self.saliency_model),
            DetectFaces(self.face_detector),
            *stages,
        )
        self.analysis_size = analysis_size
        self.ranking = ranking or RankingWeights()
        self.max_positions = max_positions
        self._cache: OrderedDict[bytes, Analysis] = OrderedDict()
        self._cache_lock = threading.Lock()

    def analyze(self, image: ImageInput | Analysis, *, channel_axis: int | None = -1) -> Analysis:
        """Run the analysis stages on ``image`` (an analysis is passed through unchanged).

        The last few analyses are remembered by the content of their analysis copy, so the
        same pixels are never analysed twice in a row.
        """
        if isinstance(image, Analysis):
            return image
        working = prepare(image, analysis_size=self.analysis_size, channel_axis=channel_axis)
        key = _content_key(working.pixels, working.original_size)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        analysis = run_stages(Analysis(working), self.stages)
        with self._cache_lock:
            self._cache[key] = analysis
            while len(self._cache) > ANALYSIS_CACHE_SIZE:
                self._cache.popitem(last=False)
        return analysis

    def crop(
        self,
        image: ImageInput | Analysis,
        aspect: AspectLike = 1.0,
        *,
        zoom: float = 1.0,
        details: bool = False,
        channel_axis: int | None = -1,
    ) -> CropResult:
        """The best crop of ``image`` for one aspect ratio and zoom."""
        return self.crop_many(
            image, [aspect], zooms=[zoom], details=details, channel_axis=channel_axis
        )[0]

    def crop_many(
        self,
        image: ImageInput | Analysis,
        aspects: Iterable[AspectLike],
        *,
        zooms: Iterable[float] = (1.0,),
        details: bool = False,
        channel_axis: int | None = -1,
    ) -> list[CropResult]:
        """The best crop for every combination of ``aspects`` and ``zooms``, one analysis.

        Results come aspect by aspect, zooms inner. With ``details=True`` each result
        carries the saliency map and every scored candidate.
        """
        requests = [
            _Request(parse_aspect(aspect), parse_zoom(zoom))
            for aspect in _as_list(aspects, "aspects")
            for zoom in _as_list(zooms, "zooms")
        ]
        analysis = self.analyze(image, channel_axis=channel_axis)
        return [self._best(analysis, request, details) for request in requests]

    def score_boxes(
        self, image: ImageInput | Analysis, boxes, *, channel_axis: int | None = -1
    ) -> np.ndarray:
        """Ranking scores of given boxes of ``image`` (higher is better).

        For choosing among crops made elsewhere (a crop dataset's candidates, a user's own
        proposals): the boxes may have any sizes and aspects.

        Parameters
        ----------
        image : image or Analysis
            What :meth:`crop` takes.
        boxes : array-like
            ``(left, upper, right, lower)`` boxes in pixels of ``image``, shape ``(n, 4)``.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` float64 scores.

        Raises
        ------
        InvalidBoxError
            A box that is not a non-empty box inside the image.

        Examples
        --------
        >>> import numpy as np
        >>> cropper = SmartCropper(model="spectral", faces=False)
        >>> image = np.zeros((120, 200, 3), np.uint8)
        >>> image[50:70, 150:170] = 255
        >>> scores = cropper.score_boxes(image, [(0, 0, 100, 120), (100, 0, 200, 120)])
        >>> bool(scores[1] > scores[0])
        True
        """
        analysis = self.analyze(image, channel_axis=channel_axis)
        array = as_box_array(boxes, analysis.image.original_size)
        return score_windows(analysis, array, self.ranking)

    def _best(self, analysis: Analysis, request: _Request, details: bool) -> CropResult:
        candidates = generate_candidates(
            analysis.image.original_size,
            request.aspect,
            request.zoom,
            max_positions=self.max_positions,
        )
        scores = score_windows(analysis, candidates, self.ranking)
        best = int(np.argmax(scores))
        scale_x, scale_y = analysis.image.scale
        scored = None
        if details:
            scored = np.column_stack([candidates.boxes.astype(np.float64), scores])
        return CropResult(
            box=Box(*(int(v) for v in candidates.boxes[best])),
            score=float(scores[best]),
            aspect=request.aspect,
            zoom=request.zoom,
            image_size=analysis.image.original_size,
            faces=tuple(face.scaled(scale_x, scale_y) for face in analysis.faces),
            # The analysis is cached and shared: each result gets its own map to keep.
            saliency=analysis.saliency.copy() if details else None,
            candidates=scored,
        )


def _content_key(pixels: np.ndarray, original_size: tuple[int, int]) -> bytes:
    digest = hashlib.blake2b(np.ascontiguousarray(pixels).data, digest_size=16)
    digest.update(repr((pixels.shape, original_size)).encode())
    return digest.digest()


def _as_list(values: Iterable | float | str, name: str) -> list:
    # A lone number or "16:9" is one value; a (w, h) pair must come wrapped in a list.
    if isinstance(values, (int, float, str)):
        return [values]
    listed = list(values)
    if not listed:
        raise ValueError(f"{name} is empty; give at least one")
    return listed


def find_crops(
    image: ImageInput,
    aspects: Iterable[AspectLike] = (1.0,),
    *,
    zooms: Iterable[float] = (1.0,),
    details: bool = False,
    channel_axis: int | None = -1,
    **options,
) -> list[CropResult]:
    """Best crops of ``image`` for several aspects and zooms, in one analysis.

    ``options`` are :class:`SmartCropper`'s parameters.
    """
    return SmartCropper(**options).crop_many(
        image, aspects, zooms=zooms, details=details, channel_axis=channel_axis
    )


def find_crop(
    image: ImageInput,
    aspect: AspectLike = 1.0,
    *,
    zoom: float = 1.0,
    details: bool = False,
    channel_axis: int | None = -1,
    **options,
) -> CropResult:
    """The best crop of ``image`` for one aspect ratio and zoom.

    ``options`` are :class:`SmartCropper`'s parameters.
    """
    return SmartCropper(**options).crop(
        image, aspect, zoom=zoom, details=details, channel_axis=channel_axis
    )
