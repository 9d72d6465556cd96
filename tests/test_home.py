"""The way in (issue 15): the home page's start buttons lead where content/handbook.yaml
says, and a button that leads nowhere stops the build with a located error."""

from __future__ import annotations

from pathlib import Path

from test_validate import edit, only_errors

from generator.render import RenderOptions, build_pages
from generator.validate import load_handbook

MINI = Path(__file__).parent / "fixtures" / "mini"


def test_start_buttons_lead_to_the_page_and_section_named() -> None:
    home = build_pages(load_handbook(MINI), RenderOptions()).files["index.md"].decode()
    assert "[Dose calculators](calculators.md){ .md-button .md-button--primary .hb-start__button }" in home
    assert "[What to do by grade](topics/alpha.md#grade-table){ .md-button" in home
    assert '<p class="hb-tagline">A test handbook for the generator&#39;s own tests.</p>' in home
    # The tagline and the buttons come before the topics.
    assert home.index("hb-tagline") < home.index("hb-start") < home.index("## Topics")


def test_a_start_button_to_a_missing_topic_is_a_located_error(mini: Path) -> None:
    edit(mini / "handbook.yaml", "link: alpha#grade-table", "link: alpa#grade-table")
    assert only_errors(mini) == [
        "handbook.yaml:18:42: home.start[1].link: links to a missing topic or index page 'alpa' (did you mean 'alpha'?)"
    ]
