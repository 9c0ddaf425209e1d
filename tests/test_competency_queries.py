"""The competency queries of graph/queries/ return the facts of the report.

Every expected answer below is read from the report text (graph/sources/…txt), not from a
run: the report is the specification of the graph. Queries run through pyoxigraph over every
graph of the dataset, the default graph being their union, as the endpoint serves them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from ftzkg.dataset import QUERIES_DIR, dataset_sources, read_graph_quads

INTEGER_TYPES = {
    "http://www.w3.org/2001/XMLSchema#" + name
    for name in ("integer", "nonNegativeInteger", "positiveInteger", "int", "long")
}

REN_HAILONG = (
    "Through this signing, the idea of a game of chess in the three areas can be further "
    "strengthened, and the sharing of preferential policies in the three areas can be better "
    "promoted, the joint construction of cooperative projects, and the joint learning of "
    "innovative experiences form a good way to promote the cooperation and linkage of the "
    "province's free trade pilot zone. Trend, further promote the complementary advantages of "
    "the three regions, and form a strong work force to promote the construction of the "
    "province’s free trade zone."
)
HE_BINGLI = (
    "Our cooperation this time is mainly in the exchange of talents, in the complementary "
    "advantages of policies, and in the direction of further rapid development.\n\n"
    "Because Harbin is the capital city of the province, talents gather, there are a lot of "
    "talents to support the development of our Suifenhe area. We also have professionals in "
    "the trade with Russia on the platform of Suifenhe's trade with Russia, and they will also "
    "communicate in this regard."
)
PEI_LEI = (
    "The Sino-Russian International City is selected within the Harbin Free Trade Zone because "
    "we have taken a fancy to the favorable policies and international services here to better "
    "shape a high ground for Russia.\n\n"
    "The signing of the three areas today can promote better exchanges between talents, "
    "finance, and commerce, so as to promote better economic and trade development with Russia."
)
LOGISTICS_SENTENCE = (
    "In the connection of the logistics chain, the Harbin area has introduced a number of "
    "Russian industrial parks and functional platform projects such as the Vanke Sino-Russian "
    "Industrial Park and the Russian Import and Export Agricultural Products Trade Center."
)
FINANCIAL_CHAIN_SENTENCE = (
    "The Harbin area has been established in the connection of the financial chain."
)
FINANCIAL_CENTRE_SENTENCE = (
    "China’s first Sino-Russian cross-border financial service center, opened an "
    '"offshore account", and expanded financial cooperation with Russia to include innovations '
    "in 11 areas including fund clearing, foreign exchange transactions, and cash transfers;"
)
INDUSTRY_SENTENCE = (
    "Many breakthrough attempts pioneered by China have been made in industrial cooperation "
    "in minerals, Russian grain processing and other industries."
)
SIGNING_SENTENCE = (
    "On August 18, the signing ceremony of the strategic cooperation framework agreement for "
    "the Harbin, Heihe, and Suifenhe areas of the China (Heilongjiang) Pilot Free Trade Zone "
    "was held in Harbin."
)
TWO_YEARS_SENTENCE = (
    "Since the establishment of the free trade zone two years ago, each area has developed greatly."
)
HARBIN_MANAGEMENT = (
    "Management Committee of the Harbin Area of the China (Heilongjiang) Pilot Free Trade Zone"
)
SUIFENHE_ADMINISTRATION = (
    "Administrative Committee of the Suifenhe Area of the China (Heilongjiang) Pilot Free Trade "
    "Zone"
)
FINANCIAL_COOPERATION = (
    "Harbin area: financial cooperation with Russia expanded to innovations in 11 areas"
)
INDUSTRIAL_COOPERATION = (
    "Industrial cooperation in minerals, Russian grain processing and other industries: "
    "many breakthrough attempts pioneered in China"
)

# Queries with ORDER BY are compared row by row in order; the others as sets of rows.
EXPECTED: dict[str, list[tuple[object, ...]]] = {
    "01-agreement-signing": [
        ("Harbin Area", "Harbin", "2021-08-18"),
        ("Heihe Area", "Harbin", "2021-08-18"),
        ("Suifenhe Area", "Harbin", "2021-08-18"),
    ],
    "02-posts-and-organisations": [
        ("He Bingli", "Deputy Director", SUIFENHE_ADMINISTRATION, "Suifenhe Area"),
        ("Pei Lei", "Head", "Sino-Russian International City", "Harbin Area"),
        ("Ren Hailong", "Deputy Director", HARBIN_MANAGEMENT, "Harbin Area"),
    ],
    "03-projects-by-area": [
        ("Harbin Area", "hosts", "Sino-Russian International City", "international city", "Russia"),
        (
            "Harbin Area",
            "introduced",
            "Russian Import and Export Agricultural Products Trade Center",
            "trade centre",
            "Russia",
        ),
        (
            "Harbin Area",
            "introduced",
            "Sino-Russian Cross-border Financial Service Center",
            "financial service centre",
            "Russia",
        ),
        (
            "Harbin Area",
            "introduced",
            "Vanke Sino-Russian Industrial Park",
            "industrial park",
            "Russia",
        ),
        ("Harbin Area", "introduced", "offshore account", "financial service", None),
    ],
    "04-agreement-fields": [
        ("field", "intellectual property rights"),
        ("field", "international technology transfer"),
        ("field", "talent exchange"),
        ("guiding idea", "a game of chess"),
        ("joint force", "co-construction of cooperative projects"),
        ("joint force", "learning from innovative experiences"),
        ("joint force", "sharing of preferential policies"),
    ],
    "05-quotations": [
        (
            "He Bingli",
            "Deputy Director of the Administrative Committee of the Suifenhe Area",
            HE_BINGLI,
        ),
        ("Pei Lei", "Head of the Sino-Russian International City, Harbin Area", PEI_LEI),
        (
            "Ren Hailong",
            "Deputy Director of the Management Committee of the Harbin Area",
            REN_HAILONG,
        ),
    ],
    "06-financial-cooperation": [
        ("Harbin Area", "Russia", "cash transfers", 11),
        ("Harbin Area", "Russia", "foreign exchange transactions", 11),
        ("Harbin Area", "Russia", "fund clearing", 11),
    ],
    "07-facts-of-a-paragraph": [
        (1, "Harbin area: connection of the logistics chain with Russia", LOGISTICS_SENTENCE),
        (1, "Russian Import and Export Agricultural Products Trade Center", LOGISTICS_SENTENCE),
        (1, "Vanke Sino-Russian Industrial Park", LOGISTICS_SENTENCE),
        (1, "connection of the logistics chain", LOGISTICS_SENTENCE),
        (2, "Harbin area: connection of the financial chain", FINANCIAL_CHAIN_SENTENCE),
        (2, "Sino-Russian Cross-border Financial Service Center", FINANCIAL_CHAIN_SENTENCE),
        (2, "connection of the financial chain", FINANCIAL_CHAIN_SENTENCE),
        (3, "Harbin area: connection of the financial chain", FINANCIAL_CENTRE_SENTENCE),
        (3, FINANCIAL_COOPERATION, FINANCIAL_CENTRE_SENTENCE),
        (3, "Sino-Russian Cross-border Financial Service Center", FINANCIAL_CENTRE_SENTENCE),
        (3, "cash transfers", FINANCIAL_CENTRE_SENTENCE),
        (3, "financial cooperation", FINANCIAL_CENTRE_SENTENCE),
        (3, "foreign exchange transactions", FINANCIAL_CENTRE_SENTENCE),
        (3, "fund clearing", FINANCIAL_CENTRE_SENTENCE),
        (3, "offshore account", FINANCIAL_CENTRE_SENTENCE),
        (4, INDUSTRIAL_COOPERATION, INDUSTRY_SENTENCE),
        (4, "Russian grain processing", INDUSTRY_SENTENCE),
        (4, "industrial cooperation", INDUSTRY_SENTENCE),
        (4, "minerals", INDUSTRY_SENTENCE),
    ],
    "08-northernmost-zone": [
        (
            "China (Heilongjiang) Pilot Free Trade Zone",
            "中国（黑龙江）自由贸易试验区",
            "China",
            "the northernmost free trade zone in China",
            3,
            2,
            2019,
        ),
    ],
    "10-areas-and-places": [
        ("Harbin Area", "哈尔滨片区", "Harbin", "哈尔滨", "Heilongjiang", "China"),
        ("Heihe Area", "黑河片区", "Heihe", "黑河", "Heilongjiang", "China"),
        ("Suifenhe Area", "绥芬河片区", "Suifenhe", "绥芬河", "Heilongjiang", "China"),
    ],
    "11-report-credits": [("Li Jiangming", "Harbin", "Luo Pan")],
    "12-industrial-cooperation": [
        ("Harbin Area", "Russian grain processing"),
        ("Harbin Area", "minerals"),
    ],
    "13-superlatives": [
        ("China (Heilongjiang) Pilot Free Trade Zone", "the northernmost free trade zone in China"),
        (INDUSTRIAL_COOPERATION, "many breakthrough attempts pioneered by China"),
        (
            "Sino-Russian Cross-border Financial Service Center",
            "China’s first Sino-Russian cross-border financial service center",
        ),
    ],
    "14-field-hierarchy": [
        ("financial cooperation", "cash transfers"),
        ("financial cooperation", "foreign exchange transactions"),
        ("financial cooperation", "fund clearing"),
        ("industrial cooperation", "Russian grain processing"),
        ("industrial cooperation", "minerals"),
        ("intellectual property rights", "application of intellectual property rights"),
        ("intellectual property rights", "creation of intellectual property rights"),
        ("intellectual property rights", "protection of intellectual property rights"),
        ("intellectual property rights", "trade of intellectual property rights"),
    ],
}


@pytest.fixture(scope="module")
def store(data_dir: Path) -> ox.Store:
    loaded = ox.Store()
    for source in dataset_sources(data_dir):
        loaded.extend(read_graph_quads(source))
    return loaded


def query_file(data_dir: Path, name: str) -> Path:
    return data_dir / QUERIES_DIR / f"{name}.rq"


def plain(term: object) -> object:
    """A result term as Python: integers as int, other literals and IRIs as their string."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value in INTEGER_TYPES:
        return int(term.value)
    return term.value  # type: ignore[attr-defined]


def run(store: ox.Store, path: Path) -> list[tuple[object, ...]]:
    solutions = store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    return [
        tuple(plain(solution[variable]) for variable in solutions.variables)
        for solution in solutions
    ]


def is_ordered(path: Path) -> bool:
    return re.search(r"^\s*ORDER BY", path.read_text(encoding="utf-8"), re.MULTILINE) is not None


def test_there_are_at_least_twelve_competency_queries(data_dir: Path) -> None:
    assert len(list((data_dir / QUERIES_DIR).glob("*.rq"))) >= 12


@pytest.mark.parametrize(
    "path",
    sorted(Path(__file__).parents[1].joinpath(QUERIES_DIR).glob("*.rq")),
    ids=lambda path: path.stem,
)
def test_query_header_gives_title_and_question(path: Path) -> None:
    header = path.read_text(encoding="utf-8").split("\n", 2)
    assert re.fullmatch(r"# title: \S.*", header[0])
    assert re.fullmatch(r"# question: \S.*\?.*", header[1])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_competency_query_returns_the_facts_of_the_report(store, data_dir, name) -> None:
    path = query_file(data_dir, name)
    rows = run(store, path)
    if is_ordered(path):
        assert rows == EXPECTED[name]
    else:
        assert len(rows) == len(set(rows))
        assert set(rows) == set(EXPECTED[name])


def test_signing_date_is_derived_from_the_day_and_the_two_years(store, data_dir) -> None:
    rows = run(store, query_file(data_dir, "09-signing-date-derivation"))
    assert [(date, sentence) for date, sentence, _ in rows] == [
        ("2021-08-18", SIGNING_SENTENCE),
        ("2021-08-18", TWO_YEARS_SENTENCE),
    ]
    (reasoning,) = {reason for _, _, reason in rows}
    assert all(word in reasoning for word in ("August 18", "two years", "2019", "2021"))


def test_every_query_file_has_an_expected_answer(data_dir) -> None:
    names = {path.stem for path in (data_dir / QUERIES_DIR).glob("*.rq")}
    assert names == set(EXPECTED) | {"09-signing-date-derivation"}
