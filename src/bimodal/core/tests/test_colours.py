import pytest

from bimodal.core.colours import contrast_ratio


def test_black_on_white_is_21_and_a_colour_on_itself_is_1():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast_ratio("#b45309", "#B45309") == pytest.approx(1)


@pytest.mark.parametrize(
    ("background", "ratio"),
    [("#e07a1f", 3.01), ("#b45309", 5.02), ("#1f4e79", 8.66), ("#0d6efd", 4.50), ("#2e8b57", 4.25)],
)
def test_white_text_on_the_mode_colours(background, ratio):
    # The figures axe-core and the WCAG contrast checkers report.
    assert contrast_ratio("#ffffff", background) == pytest.approx(ratio, abs=0.01)
