"""OCR-stage clean-up and the re-read of ink the first pass missed, on hand-drawn images."""

from __future__ import annotations

import cv2
import numpy as np

from extractors.ocr import (
    Orientation,
    ocr_page,
    reads_sideways,
    reread_unread_ink,
    spans_two_lines,
    straighten_photo,
    turns_to_try,
    unread_regions,
    without_double_reads,
    without_rules,
)
from pipeline.models import Word


def _text_page() -> np.ndarray:
    """A white page of short text lines, with a tinted, slightly tilted box (a cheque) in its lower half."""
    page = np.full((1100, 850), 250, np.uint8)
    for row in range(12):
        cv2.putText(page, f"Line {row} of ordinary print 123.45", (60, 60 + 36 * row),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    box = np.array([[60, 640], [790, 625], [795, 900], [65, 915]], np.int32)
    cv2.fillConvexPoly(page, box, 190)
    cv2.putText(page, "PAY TO THE ORDER OF", (120, 760), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    return page


def _card_on_desk() -> np.ndarray:
    """A bright card, keystoned, on a plain dark desk."""
    desk = np.full((1000, 1300), 60, np.uint8)
    card = np.array([[300, 220], [1050, 260], [1010, 760], [260, 720]], np.int32)
    cv2.fillConvexPoly(desk, card, 235)
    cv2.putText(desk, "DRIVER LICENSE", (380, 400), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 20, 3)
    return desk


def test_printed_box_on_a_page_is_not_taken_for_the_document() -> None:
    page = _text_page()
    assert straighten_photo(page) is page


def test_card_photographed_on_a_desk_is_still_straightened() -> None:
    photo = _card_on_desk()
    assert straighten_photo(photo) is not photo


class _CropReader:
    """A fake engine: reads every ink blob on the canvas as one confident word 'Katherine'."""

    def __init__(self) -> None:
        self.calls = 0

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        self.calls += 1
        _, ink = cv2.threshold(image, 128, 255, cv2.THRESH_BINARY_INV)
        count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(ink, np.ones((1, 40), np.uint8)))
        return [Word(text="Katherine", bbox=(float(x), float(y), float(x + w), float(y + h)), confidence=0.95,
                     line_id=k) for k, (x, y, w, h, _) in enumerate(stats[1:count])]

    def detect_orientation(self, image: np.ndarray, *, timeout_s: float) -> Orientation | None:
        return None


def _page_with_dropped_line() -> tuple[np.ndarray, list[Word]]:
    """70 read words in rows, and one printed line (a bar of ink) that the first pass dropped."""
    page = np.full((1400, 1200), 255, np.uint8)
    words = []
    for k in range(70):
        x, y = 60 + (k % 7) * 150, 100 + (k // 7) * 60
        page[y : y + 30, x : x + 100] = 0
        words.append(Word(text=f"w{k}", bbox=(x, y, x + 100, y + 30), confidence=0.95, line_id=k // 7))
    page[1000:1030, 80:700] = 0  # the dropped line
    words.append(Word(text="ee", bbox=(80, 1000, 140, 1030), confidence=0.2, line_id=11))
    return page, words


def test_unread_line_is_found_and_re_read() -> None:
    page, words = _page_with_dropped_line()
    (x0, y0, x1, y1), = unread_regions(page, [w for w in words if w.confidence >= 0.5], 30.0)
    # Found on a reduced copy (a few px of slack), trimmed back to the ink after joining its letters.
    assert 996 <= y0 <= 1000 and 1030 <= y1 <= 1034 and x0 <= 80 and x1 >= 700
    engine = _CropReader()
    out = reread_unread_ink(page, words, engine, lang="eng", timeout_s=10)
    assert engine.calls == 1
    assert "ee" not in {w.text for w in out}
    fresh = [w for w in out if w.text == "Katherine"]
    assert len(fresh) == 1 and abs(fresh[0].bbox[1] - 1000) <= 1 and fresh[0].line_id not in range(12)


def test_a_fully_read_page_costs_no_extra_call() -> None:
    page, words = _page_with_dropped_line()
    page[1000:1030, 80:700] = 255
    engine = _CropReader()
    assert reread_unread_ink(page, words[:-1], engine, lang="eng", timeout_s=10) == words[:-1]
    assert engine.calls == 0


def test_a_word_that_swallowed_the_line_above_is_re_read_as_two_lines() -> None:
    """Tightly set address lines: the first pass read the lower line's words twice as tall, covering
    the upper line, which it lost. The ink under the tall word is re-read, line by line."""
    page, words = _page_with_dropped_line()
    page[1000:1030, 80:700] = 255
    words = words[:-1]
    page[1000:1026, 80:400] = 0  # "16080 HILL RD", lost
    page[1040:1066, 80:700] = 0  # "SOUTH PETERCHESTER, GA 25324", read as one tall word
    words.append(Word(text="PETERCHESTER,", bbox=(80, 1000, 700, 1066), confidence=0.93, line_id=12))
    out = reread_unread_ink(page, words, _CropReader(), lang="eng", timeout_s=10)
    fresh = sorted((w for w in out if w.bbox[1] >= 990), key=lambda w: w.bbox[1])
    assert [w.text for w in fresh] == ["Katherine", "Katherine"]
    assert abs(fresh[0].bbox[1] - 1000) <= 2 and abs(fresh[1].bbox[1] - 1040) <= 2


def test_a_headline_amount_set_large_is_not_taken_for_two_lines() -> None:
    """Twice the body's height, ink in every row: one line of large print, kept as read."""
    page = np.full((300, 600), 255, np.uint8)
    cv2.putText(page, "$3,019.23", (20, 150), cv2.FONT_HERSHEY_SIMPLEX, 2.4, 0, 8)
    _, ink = cv2.threshold(page, 128, 255, cv2.THRESH_BINARY_INV)
    x, y, w, h = cv2.boundingRect(ink)
    assert h > 1.8 * 30
    assert not spans_two_lines(page, (x, y, x + w, y + h), 30.0)
    two = np.full((300, 600), 255, np.uint8)
    cv2.putText(two, "16080 HILL RD", (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    cv2.putText(two, "SOUTH PETERCHESTER", (20, 135), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    _, ink = cv2.threshold(two, 128, 255, cv2.THRESH_BINARY_INV)
    x, y, w, h = cv2.boundingRect(ink)
    assert spans_two_lines(two, (x, y, x + w, y + h), 22.0)


def _body(count: int = 20) -> list[Word]:
    """Ordinary confident words, 27 px tall, in rows well away from the words under test."""
    return [Word(text=f"word{k}", bbox=(100 + 120 * (k % 5), 1500 + 40 * (k // 5), 200 + 120 * (k % 5),
                                        1527 + 40 * (k // 5)), confidence=0.95) for k in range(count)]


def test_the_weaker_of_two_readings_of_one_word_is_dropped() -> None:
    """A ghosted scan read twice: one reading inside the other on the same line; a dash read inside a
    word; slivers of letter tops read as words on a dark band."""
    doubled = [
        Word(text="Employee", bbox=(1165, 507, 1257, 535), confidence=0.87),
        Word(text="ployee", bbox=(1215, 514, 1287, 534), confidence=0.65),
        Word(text="Preceency", bbox=(1649, 507, 1774, 528), confidence=0.51),
        Word(text="Frequency", bbox=(1666, 515, 1770, 535), confidence=0.96),
        Word(text="Michaelshire,", bbox=(152, 526, 355, 555), confidence=0.86),
        Word(text="\u2014", bbox=(185, 534, 344, 553), confidence=0.78),
        Word(text="EARNINGS", bbox=(1764, 201, 2021, 234), confidence=0.96),
        Word(text="STATEMENT", bbox=(2038, 201, 2339, 234), confidence=0.95),
        Word(text="we", bbox=(2055, 201, 2096, 208), confidence=0.27),
        Word(text="\u201c<<", bbox=(1983, 201, 2019, 209), confidence=0.0),
    ]
    kept = {w.text for w in without_double_reads(doubled + _body())}
    assert {"Employee", "Frequency", "Michaelshire,", "EARNINGS", "STATEMENT"} <= kept
    assert not kept & {"ployee", "Preceency", "\u2014", "we", "\u201c<<"}


def test_a_row_read_twice_as_two_confident_lines_keeps_one_full_reading() -> None:
    """Tesseract found one row of print twice, as two lines, every reading sure of itself: the
    fuller reading of each word stays ("13634", not "1363"), the ghost line's scraps go ("h", "ha,").
    Look-alike: a line beside it whose words repeat nothing is untouched."""
    ghost = [Word(text=t, bbox=b, confidence=c, line_id=6) for t, b, c in [
        ("h", (217, 518, 234, 543), 0.93), ("ha,", (369, 518, 385, 543), 0.97),
        ("IN", (431, 513, 463, 555), 0.97), ("13634", (476, 518, 570, 543), 0.95)]]
    real = [Word(text=t, bbox=b, confidence=c, line_id=7) for t, b, c in [
        ("North", (152, 517, 214, 544), 0.96), ("Samantha,", (246, 517, 413, 548), 0.96),
        ("IN", (438, 517, 459, 544), 0.97), ("1363", (493, 518, 551, 544), 0.96)]]
    beside = [Word(text=t, bbox=b, confidence=0.96, line_id=8) for t, b in [
        ("917583", (1132, 543, 1248, 570)), ("Biweekly", (1548, 542, 1685, 576))]]
    kept = without_double_reads(ghost + real + beside + _body())
    assert " ".join(w.text for w in sorted(kept[:5], key=lambda w: w.bbox[0])) == "North Samantha, IN 13634 917583"
    assert [w.text for w in kept].count("IN") == 1 and "Biweekly" in {w.text for w in kept}


def test_neighbours_small_print_and_a_swallowed_line_are_all_kept() -> None:
    """Look-alikes: kerned neighbours overlapping by a few px, a confident small mark, 6 pt print under
    10 pt body, the upper line's word under a word that spans two lines, and a sure word whose box runs
    over its sure neighbour: none is a double read."""
    words = [
        Word(text="Stokes", bbox=(398, 177, 555, 216), confidence=0.97),
        Word(text="Co.", bbox=(550, 177, 654, 216), confidence=0.97),
        Word(text="TM", bbox=(660, 177, 680, 186), confidence=0.9),
        Word(text="footnote", bbox=(100, 900, 180, 916), confidence=0.55),
        Word(text="HILL", bbox=(266, 469, 351, 495), confidence=0.96),
        Word(text="PETERCHESTER,", bbox=(290, 465, 589, 553), confidence=0.92),
        # A sure word boxed over its sure neighbour: two words.
        Word(text="ERIN", bbox=(433, 1422, 553, 1458), confidence=0.96),
        Word(text="J", bbox=(532, 1418, 554, 1462), confidence=0.965),
    ]
    assert without_double_reads(words + _body()) == words + _body()


class _BlobReader:
    """A fake engine: every blob of ink on the canvas is one confident word, "3.37" when amount-wide."""

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        _, ink = cv2.threshold(image, 128, 255, cv2.THRESH_BINARY_INV)
        count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
        return [Word(text="3.37" if w >= 60 else "y", bbox=(float(x), float(y), float(x + w), float(y + h)),
                     confidence=0.95, line_id=k) for k, (x, y, w, h, _) in enumerate(stats[1:count])]

    def detect_orientation(self, image: np.ndarray, *, timeout_s: float) -> Orientation | None:
        return None


def test_a_garbled_amount_is_re_read_without_its_neighbours_edges() -> None:
    """A short amount read as doubted junk ("=") is re-read; the crop's margin catches the edge of the
    confident word beside it, and that sliver must not come back as a word of its own."""
    page, words = _page_with_dropped_line()
    page[1000:1030, 80:700] = 255
    words = words[:-1]
    page[1100:1130, 500:590] = 0  # the amount's ink
    page[1100:1130, 600:700] = 0  # its confident neighbour, 10 px to the right
    words += [Word(text="=", bbox=(500, 1105, 515, 1125), confidence=0.4, line_id=12),
              Word(text="2,527.91", bbox=(600, 1100, 700, 1130), confidence=0.96, line_id=12)]
    out = reread_unread_ink(page, words, _BlobReader(), lang="eng", timeout_s=10)
    row = sorted((w for w in out if w.bbox[1] >= 1090), key=lambda w: w.bbox[0])
    assert [w.text for w in row] == ["3.37", "2,527.91"]
    assert abs(row[0].bbox[0] - 500) <= 2 and abs(row[0].bbox[2] - 590) <= 2


def test_confident_punctuation_is_not_re_read() -> None:
    """An "&" read with confidence is text, not unread ink: no extra call for it."""
    page, words = _page_with_dropped_line()
    page[1000:1030, 80:700] = 255
    page[1100:1130, 500:590] = 0
    words = words[:-1] + [Word(text="&", bbox=(500, 1100, 590, 1130), confidence=0.92, line_id=12)]
    engine = _CropReader()
    assert reread_unread_ink(page, words, engine, lang="eng", timeout_s=10) == words
    assert engine.calls == 0


def test_a_line_dropped_inside_a_ruled_box_is_found() -> None:
    """A box's side a few px from a label must not glue to it into one box-tall blob."""
    page, words = _page_with_dropped_line()
    page[960:1100, 60:64] = 0  # left side of a ruled box around the dropped line
    page[960:1100, 760:764] = 0
    page[960:963, 60:764] = 0
    page[1097:1100, 60:764] = 0
    (x0, y0, x1, y1), = unread_regions(page, [w for w in words if w.confidence >= 0.5], 30.0)
    assert 996 <= y0 <= 1000 and 1030 <= y1 <= 1034 and x0 <= 80 and x1 >= 700


def test_glyphs_are_not_taken_for_rules() -> None:
    ink = np.zeros((200, 400), np.uint8)
    ink[50:80, 20:26] = 255  # an 'l': 1 text height tall
    ink[50:90, 40:46] = 255  # a 'p' with its descender: 1.3 text heights
    ink[20:180, 300:303] = 255  # a rule: 5 text heights
    out = without_rules(ink, 30.0)
    assert out[50:90, :100].sum() == ink[50:90, :100].sum() and out[:, 290:310].sum() == 0


# --------------------------------------------------------------------------------------------------
# Second chances for a poor first pass.


def _words(confidence: float, count: int = 12) -> list[Word]:
    return [Word(text="word" + "abcdefghijkl"[k], bbox=(10.0, 10.0 + 30 * k, 90.0, 35.0 + 30 * k), confidence=confidence, line_id=k)
            for k in range(count)]


class _ScriptedReader:
    """A fake engine whose reading depends on the segmentation mode and on how far the page was turned
    (told apart by the top-left pixel: ``_marked_page``): it logs every call."""

    def __init__(self, reads: dict[tuple[int, int], list[Word]], orientation: Orientation | None) -> None:
        self.reads, self.orientation, self.calls = reads, orientation, []

    @staticmethod
    def _turn(image: np.ndarray) -> int:
        return {10: 0, 20: 90, 30: 180, 40: 270}[int(image[0, 0])]

    def read_words(self, image: np.ndarray, *, psm: int, lang: str, timeout_s: float) -> list[Word]:
        self.calls.append(("read", psm, self._turn(image)))
        return self.reads.get((psm, self._turn(image)), _words(0.3))

    def detect_orientation(self, image: np.ndarray, *, timeout_s: float) -> Orientation | None:
        self.calls.append(("osd", None, None))
        return self.orientation


def _marked_page() -> np.ndarray:
    """A blank page whose corners say how far it was turned clockwise (10 top-left when upright)."""
    page = np.full((400, 300), 255, np.uint8)
    page[0, 0], page[0, -1], page[-1, -1], page[-1, 0] = 10, 40, 30, 20
    return page


def test_a_card_that_reads_in_sparse_mode_is_not_sent_to_orientation_detection() -> None:
    engine = _ScriptedReader({(6, 0): _words(0.5), (11, 0): _words(0.9)}, Orientation(rotate=180, confidence=4.0))
    page = ocr_page(_marked_page(), engine)
    assert page.rotation_applied == 0 and page.mean_confidence == 0.9
    assert engine.calls == [("read", 6, 0), ("read", 11, 0)]


def test_a_turned_page_osd_misjudges_is_read_after_trying_the_opposite_turn() -> None:
    """OSD says 90 where 270 is right (the axis found, the direction missed), as it does on cards."""
    engine = _ScriptedReader({(6, 270): _words(0.92)}, Orientation(rotate=90, confidence=3.5))
    page = ocr_page(_marked_page(), engine)
    assert page.rotation_applied == 270 and page.mean_confidence == 0.92
    assert [c for c in engine.calls if c[0] == "read"][-1] == ("read", 6, 270)


def test_a_turn_that_reads_well_ends_the_search() -> None:
    engine = _ScriptedReader({(6, 90): _words(0.9)}, Orientation(rotate=90, confidence=6.0))
    ocr_page(_marked_page(), engine)
    assert engine.calls == [("read", 6, 0), ("read", 11, 0), ("osd", None, None), ("read", 6, 90)]


def _sideways_marked_page() -> np.ndarray:
    """A page of print turned a quarter (its glyphs on their side), corners marked as ``_marked_page``."""
    page = np.full((2550, 3300), 255, np.uint8)  # a letter page at 300 dpi, landscape
    for row in range(60):
        cv2.putText(page, "Deposit 03/09 Purchase 1,204.55", (60, 60 + 40 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    page = np.ascontiguousarray(np.rot90(page))
    page[0, 0], page[0, -1], page[-1, -1], page[-1, 0] = 10, 40, 30, 20
    return page


def test_a_page_whose_glyphs_lie_on_their_side_is_turned_before_it_is_read() -> None:
    """No junk read of the turned page first: OSD, then the quarter turn it names. When OSD names
    the wrong direction, the other quarter settles it."""
    engine = _ScriptedReader({(6, 270): _words(0.92)}, Orientation(rotate=270, confidence=4.0))
    page = ocr_page(_sideways_marked_page(), engine)
    assert page.rotation_applied == 270 and engine.calls == [("osd", None, None), ("read", 6, 270)]
    wrong = _ScriptedReader({(6, 270): _words(0.92)}, Orientation(rotate=90, confidence=2.6))
    assert ocr_page(_sideways_marked_page(), wrong).rotation_applied == 270
    assert wrong.calls == [("osd", None, None), ("read", 6, 90), ("read", 6, 270)]


def test_turns_osd_is_sure_of_come_first_then_the_opposite_then_the_other_axis() -> None:
    sure = Orientation(rotate=90, confidence=3.0)
    assert turns_to_try(sure, sweep=True) == [90, 270, 180]
    assert turns_to_try(sure, sweep=False) == [90]
    assert turns_to_try(Orientation(rotate=0, confidence=5.0), sweep=True) == [180, 90, 270]


def test_a_near_empty_page_is_not_swept_through_every_turn() -> None:
    """A few words read poorly (a mostly blank page) are not turned text: no sweep without OSD's word."""
    assert turns_to_try(Orientation(rotate=180, confidence=0.4), sweep=False) == []
    assert turns_to_try(None, sweep=False) == []



def _standing(confidence: float, count: int = 12) -> list[Word]:
    """Words read down a turned page: boxes taller than wide."""
    return [w.model_copy(update={"bbox": (10.0 + 30 * k, 10.0, 35.0 + 30 * k, 90.0)}) for k, w in
            enumerate(_words(confidence, count))]


def test_a_confident_read_of_vertical_lines_is_turned_upright() -> None:
    """Automatic segmentation reads a card turned a quarter along its vertical lines, with confidence:
    not poor, yet sideways; the turn that reads upright wins though it reads less surely."""
    engine = _ScriptedReader({(6, 0): _standing(0.95), (11, 0): _standing(0.9), (6, 90): _words(0.85)},
                             Orientation(rotate=90, confidence=3.0))
    page = ocr_page(_marked_page(), engine)
    assert page.rotation_applied == 90 and page.mean_confidence == 0.85


def test_a_few_vertical_words_on_an_upright_page_do_not_make_it_sideways() -> None:
    """A margin note printed up the side of a statement: most words still lie flat."""
    assert reads_sideways(_standing(0.95, 4))
    assert not reads_sideways(_words(0.95, 12) + _standing(0.95, 3))
    assert not reads_sideways(_words(0.95, 12))
