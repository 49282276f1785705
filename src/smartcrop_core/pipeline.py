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
from pathlib import Path

import numpy as np

from .analysis import Analysis, DetectFaces, PredictSaliency, Stage, run_stages
from .boosts import HINT_STRENGTH, BoostLike, as_boosts, blend_hints, hint_map
from .faces import FaceDetector, NoFaceDetector, get_detector
from .geometry import Box, CropResult, as_box_array
from .imaging import DEFAULT_ANALYSIS_SIZE, ImageInput, prepare
from .params import AUTO_ZOOM, parse_aspect, parse_zoom
from .ranking import Ranker, load_ranker
from .saliency import SaliencyModel, get_model
from .search import AUTO_ZOOMS, COARSE_POSITIONS, WindowChoice, best_windows, tightest_keeping
from .window_features import (
    FEATURE_NAMES,
    FeatureSettings,
    WindowMeasurer,
    box_sums,
    integral_image,
)

__all__ = ["SmartCropper", "find_crop", "find_crops"]

AspectLike = float | str | tuple[float, float]

#: Analyses a cropper remembers, so that asking one image for one aspect at a time (as
#: thumbnail code often does) runs saliency and faces once.
ANALYSIS_CACHE_SIZE = 8


ZoomLike = float | str
_OFFSET_X = FEATURE_NAMES.index("offset_x")
_OFFSET_Y = FEATURE_NAMES.index("offset_y")
_CENTRE_TIEBREAK = 1e-6
#: Score, in the ranker's units, taken from a window for each detected face it cuts (counted
#: by :meth:`~smartcrop_core.window_features.WindowMeasurer.features_and_faces_cut`), on top
#: of what the ranker learned: people mind a cut face more than fixation counts show.
#: Counted per face, so that in a crowd cutting three faces costs three times one. The
#: smallest guard that meets the face target (at most half the faces a centred crop cuts)
#: on the train split (150 images of each set, crop_bench's scorer; the centred crop cuts
#: 11.2 %): 0 / 0.1 / 0.2 / 0.25 / 0.3 / 0.35 / 0.4 / 0.45 / 0.5 / 1.0 cut 8.4 / 6.8 / 6.2 /
#: 6.0 / 5.9 / 5.7 / 5.7 / 5.6 / 5.5 / 5.0 % of EyeCrowd's faces for gains of 0.536 / 0.527
#: / 0.518 / 0.514 / 0.508 / 0.502 / 0.495 / 0.490 / 0.486 / 0.448. The former guard, 2.0
#: per share of face importance, cut 6.6 % for 0.484.
FACE_GUARD = 0.45


@dataclass(frozen=True)
class _Request:
    aspect: float
    zoom: float | str


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
    ranker : Ranker, str or Path, optional
        What scores the windows: the shipped learned ranker (default), ``"hand-set"``, a
        JSON file from ``smartcrop-train ranker``, or a :class:`~smartcrop_core.ranking.Ranker`.
    features : FeatureSettings, optional
        How windows are measured (the ranker was trained with the defaults).
    coarse_positions : int
        Positions per axis of the first grid of the window search (see
        :mod:`smartcrop_core.search`).
    face_guard : float
        Extra penalty for each detected face a window cuts, on top of the ranker (see
        :data:`FACE_GUARD`); 0 leaves it all to the ranker.

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
        ranker: Ranker | str | Path | None = None,
        features: FeatureSettings | None = None,
        coarse_positions: int = COARSE_POSITIONS,
        face_guard: float = FACE_GUARD,
    ) -> None:
        self.saliency_model = get_model(model)
        self.face_detector = get_detector(face_detector) if faces else NoFaceDetector()
        self.stages: tuple[Stage, ...] = (
            PredictSaliency(self.saliency_model),
            DetectFaces(self.face_detector),
            *stages,
        )
        self.analysis_size = analysis_size
        self.ranker = load_ranker(ranker)
        self.feature_settings = features or FeatureSettings()
        self.coarse_positions = coarse_positions
        self.face_guard = face_guard
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

    def clear_cache(self) -> None:
        """Forget the analyses remembered so far (to time a fresh one, or to free memory).

        Examples
        --------
        >>> import numpy as np
        >>> cropper = SmartCropper(model="spectral", faces=False)
        >>> image = np.zeros((60, 80, 3), np.uint8)
        >>> cropper.analyze(image) is cropper.analyze(image)
        True
        >>> first = cropper.analyze(image)
        >>> cropper.clear_cache()
        >>> cropper.analyze(image) is first
        False
        """
        with self._cache_lock:
            self._cache.clear()

    def crop(
        self,
        image: ImageInput | Analysis,
        aspect: AspectLike = 1.0,
        *,
        zoom: ZoomLike = 1.0,
        boosts: Iterable[BoostLike] | None = None,
        details: bool = False,
        channel_axis: int | None = -1,
    ) -> CropResult:
        """The best crop of ``image`` for one aspect ratio and zoom (see :meth:`crop_many`)."""
        return self.crop_many(
            image,
            [aspect],
            zooms=[zoom],
            boosts=boosts,
            details=details,
            channel_axis=channel_axis,
        )[0]

    def crop_many(
        self,
        image: ImageInput | Analysis,
        aspects: Iterable[AspectLike],
        *,
        zooms: Iterable[ZoomLike] = (1.0,),
        boosts: Iterable[BoostLike] | None = None,
        details: bool = False,
        channel_axis: int | None = -1,
    ) -> list[CropResult]:
        """The best crop for every combination of ``aspects`` and ``zooms``, one analysis.

        Parameters
        ----------
        image : image or Analysis
            A Pillow image, an array (see ``channel_axis``), a path, or an analysis.
        aspects : iterable
            Aspect ratios: numbers (width / height), ``"16:9"`` strings or ``(w, h)`` pairs.
        zooms : iterable
            Numbers in ``(0, 1]`` (1 = the largest box of the aspect that fits) or
            ``"auto"``: the tightest crop that keeps the subject (see
            :mod:`smartcrop_core.search`); the result's ``zoom`` says which it chose.
        boosts : iterable, optional
            Hints the ranking honours (:mod:`smartcrop_core.boosts`): boxes ``(left, upper,
            right, lower)``, ``(box, weight)`` pairs, points ``(x, y)``, or
            :class:`~smartcrop_core.boosts.Boost` / :class:`~smartcrop_core.boosts.Focus`.
        details : bool
            Give each result the saliency map and every scored window.

        Returns
        -------
        list of CropResult
            Aspect by aspect, zooms inner.
        """
        requests = [
            _Request(parse_aspect(aspect), parse_zoom(zoom))
            for aspect in _as_list(aspects, "aspects")
            for zoom in _as_list(zooms, "zooms")
        ]
        hints = as_boosts(boosts)
        analysis = self.analyze(image, channel_axis=channel_axis)
        hint_weights = hint_map(analysis, hints)
        score = self._scorer(blend_hints(analysis, hint_weights), hint_weights)
        choices = self._choose(analysis.image.original_size, score, requests)
        scale_x, scale_y = analysis.image.scale
        faces = tuple(face.scaled(scale_x, scale_y) for face in analysis.faces)
        # Results carry the model's own map: boosts steer the ranking, not the prediction.
        return [
            CropResult(
                box=Box(*(int(v) for v in choice.box)),
                score=choice.score,
                aspect=request.aspect,
                zoom=choice.zoom,
                image_size=analysis.image.original_size,
                faces=faces,
                # The analysis is cached and shared: each result gets its own map to keep.
                saliency=analysis.saliency.copy() if details else None,
                candidates=choice.scored if details else None,
            )
            for request, choice in zip(requests, choices, strict=True)
        ]

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
        return self._scorer(analysis)(array)[0]

    def _scorer(self, analysis: Analysis, hints: np.ndarray | None = None):
        """``boxes -> (scores, features)`` on one analysis, honouring a boosts' hint map."""
        measure = WindowMeasurer(analysis, self.feature_settings)
        ranker = self.ranker
        face_guard = self.face_guard
        hint_kept = _hint_share(analysis, hints)

        def score(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            features, faces_cut = measure.features_and_faces_cut(boxes)
            # A vanishing pull to the middle settles ties (featureless images) centrally.
            off_centre = np.hypot(features[:, _OFFSET_X], features[:, _OFFSET_Y])
            scores = ranker.score(features) - _CENTRE_TIEBREAK * off_centre
            scores = scores - face_guard * faces_cut
            if hint_kept is not None:
                scores = scores + hint_kept(boxes)
            return scores, features

        return score

    def _choose(self, size: tuple[int, int], score, requests: list[_Request]) -> list[WindowChoice]:
        """The chosen window of every request, all sizes searched together."""
        shapes: dict[tuple[float, float], int] = {}
        for request in requests:
            for zoom in _zooms_searched(request):
                shapes.setdefault((request.aspect, zoom), len(shapes))
        found = best_windows(score, size, list(shapes), coarse_positions=self.coarse_positions)
        choices = []
        for request in requests:
            mine = [found[shapes[(request.aspect, zoom)]] for zoom in _zooms_searched(request)]
            choices.append(tightest_keeping(mine) if request.zoom == AUTO_ZOOM else mine[0])
        return choices


def _zooms_searched(request: _Request) -> list[float]:
    """The zooms whose best windows a request needs, widest first."""
    if request.zoom == AUTO_ZOOM:
        return sorted(AUTO_ZOOMS, reverse=True)
    return [float(request.zoom)]


def _hint_share(analysis: Analysis, hints: np.ndarray | None):
    """``boxes -> bonus``: :data:`HINT_STRENGTH` x w / (1 + w) x share of hint weight kept."""
    if hints is None:
        return None
    total = float(hints.sum())
    integral = integral_image(hints / max(total, 1e-300))
    strength = HINT_STRENGTH * total / (1.0 + total)
    scale_x, scale_y = analysis.image.scale

    def bonus(boxes: np.ndarray) -> np.ndarray:
        boxes = np.asarray(boxes, dtype=np.float64)
        kept = box_sums(
            integral,
            boxes[:, 0] / scale_x,
            boxes[:, 1] / scale_y,
            boxes[:, 2] / scale_x,
            boxes[:, 3] / scale_y,
        )
        return strength * kept

    return bonus


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
    zooms: Iterable[ZoomLike] = (1.0,),
    boosts: Iterable[BoostLike] | None = None,
    details: bool = False,
    channel_axis: int | None = -1,
    **options,
) -> list[CropResult]:
    """Best crops of ``image`` for several aspects and zooms, in one analysis.

    See :meth:`SmartCropper.crop_many`; ``options`` are :class:`SmartCropper`'s parameters.
    """
    return SmartCropper(**options).crop_many(
        image, aspects, zooms=zooms, boosts=boosts, details=details, channel_axis=channel_axis
    )


def find_crop(
    image: ImageInput,
    aspect: AspectLike = 1.0,
    *,
    zoom: ZoomLike = 1.0,
    boosts: Iterable[BoostLike] | None = None,
    details: bool = False,
    channel_axis: int | None = -1,
    **options,
) -> CropResult:
    """The best crop of ``image`` for one aspect ratio and zoom.

    See :meth:`SmartCropper.crop_many`; ``options`` are :class:`SmartCropper`'s parameters.
    """
    return SmartCropper(**options).crop(
        image, aspect, zoom=zoom, boosts=boosts, details=details, channel_axis=channel_axis
    )
