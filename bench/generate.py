"""Synthetic data for the benchmarks: N reports shaped like the real one, in a data folder.

``python bench/generate.py N OUT`` writes OUT/ with the project's ontology, shapes and link
sets, the real report, and N copies of the real report under new IRIs, each with its own
source text, so ``FTZKG_DATA_DIR=OUT ftzkg serve`` (and ``ftzkg validate``) read it like the
repository. A copy renames every resource that belongs to the report (the report, its text
and segments, agreement, areas, people, posts, quotations…) and keeps the entities reports
share (countries, provinces, cities, roles, fields), so joins fan in as they would across
real reports; those shared entities are described once (in the real report), so no triple
repeats across graphs. Each copy passes the shapes because the real report does and only
names change. Each copy adds 816 triples to the 2,075 of the real dataset: N=10, 120 and 1223
give 10,235, 99,995 and 1,000,043 triples.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox
from ftzkg.config import CANONICAL_BASE_IRI, find_data_dir
from ftzkg.dataset import (
    LINKS_DIR,
    ONTOLOGY_FILE,
    QUERIES_DIR,
    REPORTS_DIR,
    SHAPES_FILE,
    SOURCES_DIR,
)

REPORT_SLUG = "2021-08-18-heilongjiang-ftz-three-areas"
SHARED_KINDS = frozenset({"country", "province", "city", "role", "field", "scheme"})
RESOURCES = CANONICAL_BASE_IRI + "id/"


def synthetic_slug(number: int) -> str:
    return f"{REPORT_SLUG}-synthetic-{number:05d}"


def rename(term, slug: str, number: int):  # type: ignore[no-untyped-def]
    """The term of the copy: report-specific resources get the copy's names."""
    if not isinstance(term, ox.NamedNode) or not term.value.startswith(RESOURCES):
        return term
    value = term.value.replace(REPORT_SLUG, slug)
    kind, _, rest = value[len(RESOURCES) :].partition("/")
    if kind in SHARED_KINDS or slug in rest:
        return ox.NamedNode(value)
    local, hash_sign, fragment = rest.partition("#")
    return ox.NamedNode(f"{RESOURCES}{kind}/{local}-s{number:05d}{hash_sign}{fragment}")


def is_shared(term: object) -> bool:
    if not isinstance(term, ox.NamedNode) or not term.value.startswith(RESOURCES):
        return False
    return term.value[len(RESOURCES) :].partition("/")[0] in SHARED_KINDS


def write_copy(report: list[ox.Triple], source_text: Path, out: Path, number: int) -> int:
    """One copy: the report's triples renamed, less the shared entities' own descriptions
    (those stay once, in the real report, so no triple is repeated across graphs)."""
    slug = synthetic_slug(number)
    triples = [
        ox.Triple(rename(t.subject, slug, number), t.predicate, rename(t.object, slug, number))
        for t in report
        if not is_shared(t.subject)
    ]
    ox.serialize(triples, out / REPORTS_DIR / f"{slug}.ttl", ox.RdfFormat.N_TRIPLES)
    shutil.copyfile(source_text, out / SOURCES_DIR / f"{slug}.txt")
    return len(triples)


def generate(reports: int, out: Path, data_dir: Path | None = None) -> int:
    """Write the data folder; return its number of triples."""
    data_dir = data_dir or find_data_dir()
    if out.exists():
        shutil.rmtree(out)
    for folder in (ONTOLOGY_FILE.parent, SHAPES_FILE.parent, REPORTS_DIR, SOURCES_DIR):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for single in (ONTOLOGY_FILE, SHAPES_FILE):
        shutil.copyfile(data_dir / single, out / single)
    for folder in (LINKS_DIR, QUERIES_DIR):
        shutil.copytree(data_dir / folder, out / folder)
    report_file = data_dir / REPORTS_DIR / f"{REPORT_SLUG}.ttl"
    source_text = data_dir / SOURCES_DIR / f"{REPORT_SLUG}.txt"
    shutil.copyfile(report_file, out / REPORTS_DIR / report_file.name)
    shutil.copyfile(source_text, out / SOURCES_DIR / source_text.name)
    report = list(ox.parse(path=report_file, format=ox.RdfFormat.TURTLE))
    total = sum(
        len(list(ox.parse(path=path, format=ox.RdfFormat.TURTLE)))
        for path in (
            out / ONTOLOGY_FILE,
            out / SHAPES_FILE,
            *sorted((out / LINKS_DIR).glob("*.ttl")),
        )
    )
    total += len(report)
    for number in range(1, reports + 1):
        total += write_copy(report, source_text, out, number)
    return total


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=int, help="how many synthetic reports")
    parser.add_argument("out", type=Path, help="the data folder to write (replaced)")
    options = parser.parse_args(arguments)
    if options.reports < 0:
        parser.error("the number of reports cannot be negative")
    total = generate(options.reports, options.out)
    print(f"{options.out}: {options.reports} synthetic reports + the real one, {total} triples")


if __name__ == "__main__":
    sys.exit(main())
