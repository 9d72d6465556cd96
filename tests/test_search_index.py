"""generator/search_index.py: keywords out of sight, synonyms and joined hyphenated terms in."""

from __future__ import annotations

from generator.search_index import shape_entries

ENTRIES = [
    {
        "location": "topics/a/",
        "title": "IVIG in ITP",
        "text": "<p>Bleeding from the gut: give IVIG.</p>",
        "tags": ["IVIG", "Privigen"],
    },
    {
        "location": "topics/a/#x",
        "title": "HIV",
        "text": "<p>Options: IVIG or anti-D; see ivig-in-itp.</p>",
        "tags": ["IVIG", "Privigen"],
    },
    {"location": "topics/b/", "title": "Steroids", "text": "<p>Prednisolone.</p>", "tags": []},
]
SYNONYMS = [["melaena", "black stool", "gut"], ["kidney", "renal"]]


def test_keywords_go_to_the_first_entry_of_each_page_with_synonyms_and_joined_terms() -> None:
    shaped = shape_entries(ENTRIES, SYNONYMS)
    assert [e["location"] for e in shaped] == ["topics/a/", "topics/a/#x", "topics/b/"]
    assert shaped[0]["keywords"] == "IVIG Privigen melaena black stool gut antiD"
    assert all("tags" not in e for e in shaped)
    assert "keywords" not in shaped[1] and "keywords" not in shaped[2]
    # The plugin's own entries are left as they were (a preview rebuild reuses them).
    assert ENTRIES[0]["tags"] == ["IVIG", "Privigen"]


def test_a_synonym_matches_whole_words_only() -> None:
    shaped = shape_entries([{"location": "p/", "title": "Gutter", "text": "renally cleared"}], SYNONYMS)
    assert "keywords" not in shaped[0]


def test_a_calculator_section_is_found_by_the_word_calculator() -> None:
    entries = [
        {"location": "topics/a/", "title": "IVIG in ITP", "text": "", "tags": ["IVIG"]},
        {"location": "topics/a/#itp-grade", "title": "Platelet grade and treatment pathway", "text": ""},
        {"location": "topics/a/#grading", "title": "Grading", "text": ""},
    ]
    shaped = shape_entries(entries, [], ["itp-grade", "ivig-dose"])
    assert [e.get("keywords") for e in shaped] == [
        "IVIG Platelet grade and treatment pathway calculator calculate",
        "calculator calculate",
        None,
    ]
