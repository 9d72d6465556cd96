"""A page's navigation stays bounded however large a specialty grows (issue 20)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from benchmarks.synth import make_synthetic_content
from generator.build import build_site
from generator.navigation import specialty_index_path, specialty_nav

ROOT = Path(__file__).resolve().parent.parent


def _topics(titles: list[str]) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=f"t{i}", title=title) for i, title in enumerate(titles)]


def _entry(topic: SimpleNamespace) -> dict[str, str]:
    return {topic.title: f"topics/{topic.id}.md"}


def _widths(nav: list, found: list[int]) -> list[int]:
    found.append(len(nav))
    for item in nav:
        (value,) = item.values()
        if isinstance(value, list):
            _widths(value, found)
    return found


def _leaves(nav: list) -> list[str]:
    out = []
    for item in nav:
        (value,) = item.values()
        out.extend(_leaves(value) if isinstance(value, list) else [value])
    return out


def test_a_small_specialty_is_listed_flat() -> None:
    topics = _topics(["Alpha", "Beta", "Gamma"])
    assert specialty_nav("Haematology", topics, 10, _entry) == [
        {"Alpha": "topics/t0.md"},
        {"Beta": "topics/t1.md"},
        {"Gamma": "topics/t2.md"},
    ]


def test_a_large_specialty_is_grouped_and_every_level_is_bounded() -> None:
    titles = sorted(f"{chr(ord('A') + i % 26)}{chr(ord('a') + i // 26 % 26)} topic {i}" for i in range(2000))
    topics = _topics(titles)
    nav = specialty_nav("Infection", topics, 40, _entry)
    assert nav[0] == {"All 2000 topics": "specialties/infection.md"}
    assert max(_widths(nav, [])) <= 40
    # Every topic is still reachable, once, in title order.
    assert _leaves(nav[1:]) == [f"topics/t{i}.md" for i in range(2000)]
    labels = [next(iter(item)) for item in nav[1:]]
    assert len(set(labels)) == len(labels)
    assert labels[0].startswith("A")


def test_group_labels_name_the_first_and_last_titles() -> None:
    titles = ["Apixaban", "Argatroban", "Bivalirudin", "Dalteparin", "Enoxaparin", "Fondaparinux"]
    nav = specialty_nav("Anticoagulation", _topics(titles), 5, _entry)
    assert [next(iter(item)) for item in nav] == ["All 6 topics", "A–B", "D–F"]
    # Groups that start with the same letter get longer prefixes until they differ.
    titles = ["Edoxaban", "Eltrombopag", "Emicizumab", "Enoxaparin", "Epoetin", "Eptifibatide"]
    nav = specialty_nav("Haematology", _topics(titles), 5, _entry)
    assert [next(iter(item)) for item in nav] == ["All 6 topics", "Ed–Em", "En–Ep"]


def test_specialty_index_path_is_a_plain_slug() -> None:
    assert specialty_index_path("Infection & Sepsis (adults)") == "specialties/infection-sepsis-adults.md"


def test_built_pages_of_one_large_specialty_carry_a_bounded_navigation(tmp_path: Path) -> None:
    content = make_synthetic_content(80, tmp_path / "content", specialties=1)
    meta = content / "handbook.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "nav_group_size: 10\n", encoding="utf-8")
    build_site(content, tmp_path / "site", pdf=False)
    site = tmp_path / "site"
    pages = sorted((site / "topics").rglob("index.html")) or sorted((site / "topics").glob("*.html"))
    assert len(pages) >= 70
    counts = []
    for page in pages[::10]:
        html = page.read_text(encoding="utf-8")
        primary = html.split('class="md-nav md-nav--primary"', 1)[1].split("</nav>\n", 1)[0]
        counts.append(len(re.findall(r'class="md-nav__link', primary)))
    # Top-level sections, one specialty's groups and one group's topics: far fewer than 80.
    assert max(counts) <= 40, counts
    index = (site / "specialties" / "specialty-00" / "index.html").read_text(encoding="utf-8")
    assert index.count('href="../../topics/') >= 70
