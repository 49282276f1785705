"""Face detection: YuNet on a real photo, the empty detector, the registry and its fallback."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

import numpy as np
import pytest

from smartcrop_core import Face, UnknownModelError, WeightsUnavailableError
from smartcrop_core.faces import (
    DEFAULT_DETECTOR,
    DETECTORS,
    FaceDetector,
    NoFaceDetector,
    YuNetDetector,
    _face_from_row,
    get_detector,
    register_detector,
)
from smartcrop_core.imaging import prepare
from tests.conftest import FACE_BOXES_207
from tests.support import FixedFaces, face_at, preserved_registries


@pytest.fixture(scope="module")
def yunet(weights_dir) -> YuNetDetector:
    return YuNetDetector(weights=weights_dir / "yunet_n_dynamic.onnx")


@pytest.fixture(scope="module")
def detected(yunet, face_photo_path) -> tuple[Face, ...]:
    return yunet.detect(prepare(face_photo_path).pixels)


def _inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    x, y = point
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _centre(face: Face) -> tuple[float, float]:
    return (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2


def test_yunet_finds_the_three_labelled_faces(detected):
    assert len(detected) == 3
    matched = [
        [index for index, box in enumerate(FACE_BOXES_207) if _inside(_centre(face), box)]
        for face in detected
    ]
    assert all(len(indices) == 1 for indices in matched)
    assert sorted(indices[0] for indices in matched) == [0, 1, 2]  # one detection per face


def test_yunet_faces_have_five_landmarks_inside_the_face_and_scores(detected):
    for face in detected:
        assert isinstance(face, Face)
        assert 0 < face.score <= 1
        assert len(face.landmarks) == 5
        left, upper, right, lower = face.box
        margin = 0.25 * face.width
        for x, y in face.landmarks:
            assert left - margin <= x <= right + margin
            assert upper - margin <= y <= lower + margin
        # Eyes above the mouth corners.
        assert max(face.landmarks[0][1], face.landmarks[1][1]) < min(
            face.landmarks[3][1], face.landmarks[4][1]
        )


def test_yunet_faces_are_sorted_best_first(detected):
    scores = [face.score for face in detected]
    assert scores == sorted(scores, reverse=True)


def test_yunet_faces_are_in_the_pixels_of_the_image_it_was_given(yunet, face_photo_path):
    half = prepare(face_photo_path, analysis_size=256).pixels
    faces = yunet.detect(half)
    assert len(faces) >= 2
    for face in faces:
        x, y = _centre(face.scaled(2.0))
        assert any(_inside((x, y), box) for box in FACE_BOXES_207)


def test_a_smaller_detection_size_still_answers_in_the_given_images_pixels(
    weights_dir, face_photo_path
):
    pixels = prepare(face_photo_path).pixels
    small = YuNetDetector(weights=weights_dir / "yunet_n_dynamic.onnx", detection_size=320)
    faces = small.detect(pixels)
    assert max(pixels.shape[:2]) > 320  # the detector really looked at a smaller copy
    assert len(faces) >= 2
    for face in faces:
        assert any(_inside(_centre(face), box) for box in FACE_BOXES_207)
        left, _, right, _ = face.box
        assert all(left - face.width <= x <= right + face.width for x, _ in face.landmarks)


@pytest.mark.parametrize("size", [0, 63])
def test_a_detection_size_too_small_for_yunet_is_refused(weights_dir, size):
    with pytest.raises(ValueError, match="detection_size must be at least 64"):
        YuNetDetector(weights=weights_dir / "yunet_n_dynamic.onnx", detection_size=size)


def test_no_faces_on_a_plain_grey_image(yunet):
    assert yunet.detect(np.full((240, 320, 3), 128, np.uint8)) == ()


def test_yunet_works_on_tiny_and_thin_images(yunet):
    assert yunet.detect(np.zeros((2, 2, 3), np.uint8)) == ()
    assert yunet.detect(np.zeros((3, 400, 3), np.uint8)) == ()


def test_yunet_rejects_a_file_that_is_not_a_model(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx model" * 10)
    with pytest.raises(WeightsUnavailableError, match=r"bad\.onnx"):
        YuNetDetector(weights=bad)


def test_face_rows_are_clipped_to_the_image():
    row = np.array([-10, -5, 50, 40, 5, 5, 20, 5, 12, 15, 6, 25, 18, 25, 0.8], np.float32)
    face = _face_from_row(row, width=30, height=30)
    assert face.box == (0.0, 0.0, 30.0, 30.0)
    assert face.landmarks[2] == (12.0, 15.0)
    assert face.score == pytest.approx(0.8)


def test_face_rows_from_a_smaller_copy_are_scaled_up():
    row = np.array([10, 5, 20, 10, 12, 8, 18, 8, 15, 10, 13, 13, 17, 13, 0.9], np.float32)
    face = _face_from_row(row, width=200, height=200, scale=(2.0, 3.0))
    assert face.box == (20.0, 15.0, 60.0, 45.0)
    assert face.landmarks[2] == (30.0, 30.0)


def test_no_face_detector_finds_nothing():
    detector = NoFaceDetector()
    assert detector.detect(np.zeros((10, 10, 3), np.uint8)) == ()
    assert isinstance(detector, FaceDetector)


@pytest.mark.usefixtures("weights_dir")
def test_builtin_detectors_are_registered():
    assert DEFAULT_DETECTOR == "yunet"
    assert {"yunet", "none"} <= set(DETECTORS.names())
    assert isinstance(get_detector("none"), NoFaceDetector)
    assert isinstance(get_detector(), YuNetDetector)


def test_detector_object_is_used_as_it_is():
    detector = FixedFaces(face_at(0, 0, 5, 5))
    assert get_detector(detector) is detector


def test_object_without_detect_is_rejected():
    with pytest.raises(TypeError, match="detect"):
        get_detector(3.5)  # type: ignore[arg-type]


def test_unknown_detector_name_lists_the_available_ones():
    with pytest.raises(UnknownModelError, match="unknown face detector 'retina'") as caught:
        get_detector("retina")
    assert "yunet" in str(caught.value)


@pytest.fixture
def fresh_detectors():
    with preserved_registries():
        DETECTORS._instances.clear()
        DETECTORS._warned.clear()
        yield


def test_unavailable_weights_turn_face_detection_off_with_a_warning(
    fresh_detectors, tmp_path, monkeypatch, caplog
):
    def refuse(url, *args, **kwargs):
        raise urllib.error.URLError("network blocked by the test")

    monkeypatch.setenv("SMARTCROP_WEIGHTS_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    with caplog.at_level(logging.WARNING, logger="smartcrop_core.faces"):
        first = get_detector("yunet")
        second = get_detector()
    assert isinstance(first, NoFaceDetector)
    assert isinstance(second, NoFaceDetector)
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "yunet" in warnings[0].getMessage()
    assert "yunet_n_dynamic.onnx" in warnings[0].getMessage()


def test_registered_detector_is_usable_by_name(fresh_detectors):
    face = face_at(1, 2, 3, 4)
    register_detector("test-fixed", lambda: FixedFaces(face))
    assert get_detector("test-fixed").detect(np.zeros((5, 5, 3), np.uint8)) == (face,)
