"""Synthetic handbooks for benchmarks: N topics made from the real topic files.

Each copy of a real topic gets a new id, title and specialty (40 specialties, so the
navigation is grouped as a real formulary's would be), its dose amounts scaled by a
small factor, and its cross-links pointed at the same copy of the related topics.
Everything stays valid: the synthetic handbook passes `handbook validate`.

    python benchmarks/synth.py 2000 /tmp/synthetic-content
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPECIALTIES = 40

__all__ = ["make_synthetic_content"]


CORPORA = {
    # name: (specialties, copies keep their calculators)
    "mixed": (SPECIALTIES, False),
    "one-specialty": (1, False),
    "varied": (SPECIALTIES, True),
}
"""The handbooks the benchmark builds (issue 20): ``mixed`` spreads the copies over 40
specialties; ``one-specialty`` puts them all in one (a hospital's antimicrobial section);
``varied`` is mixed with every copy keeping its topic's calculators, so pages carry the
calculators of the real topics they copy."""


def _vary(
    topic: dict[str, Any], copy: int, ids: set[str], specialties: int = SPECIALTIES, calculators: bool = False
) -> dict[str, Any]:
    out = dict(topic)
    suffix = f"-s{copy:04d}"
    out["id"] = topic["id"] + suffix
    out["title"] = f"{topic['title']} (synthetic {copy})"
    out["specialty"] = f"Specialty {copy % specialties:02d}"
    out["related"] = [r + suffix for r in topic.get("related", []) if r in ids]
    # Calculators refer to the real topic's regimens, which a copy keeps unchanged only
    # in the varied corpus (there the doses are not scaled).
    if not calculators:
        out.pop("calculators", None)
    factor = 1 if calculators else 1 + (copy % 7) / 100  # 1.00 .. 1.06: varied numbers
    regimens = []
    for regimen in topic.get("regimens", []):
        regimen = dict(regimen)
        regimen["dose"] = {**regimen["dose"], "amount": round(regimen["dose"]["amount"] * factor, 4)}
        regimens.append(regimen)
    if regimens:
        out["regimens"] = regimens
    return out


def make_synthetic_content(
    topic_count: int, target: Path, source: Path = ROOT / "content", specialties: int = SPECIALTIES, corpus: str = ""
) -> Path:
    """Write a content folder of ``topic_count`` topics into ``target`` (replaced).
    ``specialties=1`` puts every copy in one specialty: the large section a hospital's
    antimicrobial or paediatric handbook has. ``corpus`` names one of :data:`CORPORA`
    instead."""
    calculators = False
    if corpus:
        specialties, calculators = CORPORA[corpus]
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("topics"))
    (target / "topics").mkdir()
    real = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((source / "topics").glob("*.yaml"))]
    ids = {t["id"] for t in real}
    # The real topics keep their ids (calculators refer to them); copies fill the rest.
    written = 0
    for topic in real[:topic_count]:
        shutil.copy(source / "topics" / f"{topic['id']}.yaml", target / "topics")
        written += 1
    copies = []
    copy = 1
    while written < topic_count:
        for topic in real:
            if written >= topic_count:
                break
            copies.append(_vary(topic, copy, ids, specialties, calculators))
            written += 1
        copy += 1
    # A copy links to the same copy of its related topics: only those that were made.
    made = {varied["id"] for varied in copies}
    for varied in copies:
        varied["related"] = [r for r in varied["related"] if r in made]
        text = yaml.safe_dump(varied, sort_keys=False, allow_unicode=True, width=100)
        (target / "topics" / f"{varied['id']}.yaml").write_text(text, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topics", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--source", type=Path, default=ROOT / "content")
    args = parser.parse_args()
    make_synthetic_content(args.topics, args.target, args.source)


if __name__ == "__main__":
    main()
