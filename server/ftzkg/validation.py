"""Checking the data before anyone is served it: SHACL shapes and OWL RL consistency.

The server validates the whole dataset at start-up (``validate_dataset``) and refuses to
serve data that breaks the shapes; later guarded writes validate the graph they would store
(``Validator.check``) with the same shapes and ontology, so both paths give the same verdict
and the same readable report. Two checks run:

* pyshacl, with RDFS inference over the ontology, against ``shapes/ftz-shapes.ttl``;
* an OWL RL closure (owlrl) of ontology plus data, which must put nothing in ``owl:Nothing``
  and report no inconsistency (a resource both a person and an area, say).

Both are slow on large data (a minute at 100k triples), and their verdict depends only on the
files and this code, so a conforming verdict is remembered under a fingerprint of the files'
contents: a restart with unchanged files does not validate again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pyshacl
import rdflib
from owlrl.Namespaces import ERRNS
from rdflib.namespace import OWL, RDF, SH

from ftzkg import __version__
from ftzkg.config import CANONICAL_BASE_IRI, ConfigurationError, Settings
from ftzkg.dataset import GraphSource, dataset_sources, read_graph_quads
from ftzkg.namespaces import all_prefixes, compact

READABLE_PREFIXES = all_prefixes(CANONICAL_BASE_IRI)


@dataclass(frozen=True)
class Violation:
    """One failed constraint, in the terms a person fixing the data needs.

    ``focus_node`` and ``component`` are full IRIs (``_:…`` for a blank node) so programs can
    compare them; ``path``, ``value`` and ``shape`` are already written for reading.
    """

    focus_node: str
    path: str
    message: str
    shape: str
    component: str
    value: str = ""

    def describe(self) -> str:
        focus = self.focus_node
        lines = [f"- focus node: {focus if focus.startswith('_:') else f'<{focus}>'}"]
        if self.path:
            lines.append(f"  path:       {self.path}")
        if self.value:
            lines.append(f"  value:      {self.value}")
        lines.append(f"  message:    {self.message}")
        component = self.component.replace(str(SH), "sh:")
        lines.append(f"  shape:      {self.shape} ({component})")
        return "\n".join(lines)


@dataclass
class ValidationResult:
    """The verdict on a dataset: violations of the shapes, OWL RL inconsistencies, sizes."""

    violations: list[Violation] = field(default_factory=list)
    inconsistencies: list[str] = field(default_factory=list)
    graph_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    remembered: bool = False  # the same files were found conforming before: not re-checked

    @property
    def conforms(self) -> bool:
        return not self.violations and not self.inconsistencies

    @property
    def text(self) -> str:
        """A report for a person: every violation, or the triple count of every graph."""
        if self.conforms:
            lines = [f"{count:>8} triples  {iri}" for iri, count in self.graph_counts.items()]
            total = sum(self.graph_counts.values())
            lines.append(f"{total:>8} triples  in {len(self.graph_counts)} named graphs")
            how = (
                "these very files were validated before; FTZKG_VALIDATION_CACHE=off re-checks"
                if self.remembered
                else f"{self.seconds:.1f} s"
            )
            lines.append(f"conforms to the shapes and OWL RL-consistent ({how})")
            return "\n".join(lines)
        lines = [f"{len(self.violations)} SHACL violation(s):"] if self.violations else []
        lines.extend(violation.describe() for violation in self.violations)
        if self.inconsistencies:
            lines.append(f"{len(self.inconsistencies)} OWL RL inconsistency(ies):")
            lines.extend(f"- {message}" for message in self.inconsistencies)
        return "\n".join(lines)


def graph_from_quads(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """The triples of some quads as an rdflib graph (the graph names are dropped).

    Files are parsed once, by pyoxigraph, through ``dataset.read_graph_quads``, so the
    validator sees exactly the triples the store loads, and parse errors read the same.
    """
    triples = [ox.Triple(quad.subject, quad.predicate, quad.object) for quad in quads]
    graph = rdflib.Graph()
    if triples:
        graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def load_source(source: GraphSource) -> rdflib.Graph:
    """One data file as an rdflib graph, with its IRIs under the canonical base."""
    return graph_from_quads(read_graph_quads(source, CANONICAL_BASE_IRI))


class Validator:
    """The shapes and the ontology, loaded once, that any data graph is checked against."""

    def __init__(self, ontology: rdflib.Graph, shapes: rdflib.Graph) -> None:
        self.ontology = ontology
        self.shapes = shapes

    @classmethod
    def from_settings(cls, settings: Settings) -> Validator:
        """The validator of the data folder in ``settings`` (for guarded writes)."""
        sources = dataset_sources(settings.data_dir)
        return cls.from_graphs({source: load_source(source) for source in sources})

    @classmethod
    def from_graphs(cls, graphs: dict[GraphSource, rdflib.Graph]) -> Validator:
        by_kind = {source.kind: graph for source, graph in graphs.items()}
        missing = [kind for kind in ("ontology", "shapes") if kind not in by_kind]
        if missing:
            raise ConfigurationError(
                "the data folder has no " + " and no ".join(f"{kind} file" for kind in missing)
            )
        return cls(by_kind["ontology"], by_kind["shapes"])

    def check(self, data: rdflib.Graph) -> ValidationResult:
        """Validate ``data`` (ontology added for inference) against the shapes and OWL RL.

        ``data`` should hold every graph whose statements the checked graph relies on: a
        report graph alone is complete; a link set adding statements about a report's
        resources needs that report too.
        """
        started = time.perf_counter()
        result = ValidationResult(
            violations=self.shape_violations(data),
            inconsistencies=self.owl_rl_inconsistencies(data),
        )
        result.seconds = time.perf_counter() - started
        return result

    def check_quads(
        self, quads: Iterable[ox.Quad], context: Iterable[ox.Quad] = ()
    ) -> ValidationResult:
        """Validate the quads a write would store (one named graph, usually), as ``check``.

        ``context`` holds the quads of the other graphs the new one refers to, validated
        with it; pass the whole rest of the dataset to judge a write by the whole.
        """
        data = graph_from_quads(quads)
        data += graph_from_quads(context)
        return self.check(data)

    def shape_violations(self, data: rdflib.Graph) -> list[Violation]:
        """The SHACL violations of ``data``, RDFS inference over the ontology on, sorted."""
        _conforms, report, _text = pyshacl.validate(
            data,
            shacl_graph=self.shapes,
            ont_graph=self.ontology,
            inference="rdfs",
            abort_on_first=False,
            allow_warnings=True,
        )
        return sorted(
            (
                self._violation(report, node)
                for node in report.subjects(RDF.type, SH.ValidationResult)
            ),
            key=lambda violation: (violation.focus_node, violation.shape, violation.path),
        )

    def _violation(self, report: rdflib.Graph, result: rdflib.term.Node) -> Violation:
        source_shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        messages = sorted(str(message) for message in report.objects(result, SH.resultMessage))
        return Violation(
            focus_node=_identifier(report.value(result, SH.focusNode)),
            path=self._name(path) if path is not None else "",
            message="; ".join(messages) or "constraint not met",
            shape=self._shape_name(source_shape),
            component=_identifier(report.value(result, SH.sourceConstraintComponent)),
            value=self._name(value) if value is not None else "",
        )

    def _shape_name(self, shape: rdflib.term.Node | None) -> str:
        """A named shape by its prefixed name; an anonymous one by its node shape and path."""
        if shape is None or isinstance(shape, rdflib.URIRef):
            return self._name(shape)
        parent = self.shapes.value(predicate=SH.property, object=shape)
        path = self.shapes.value(shape, SH.path)
        if parent is None:
            return "anonymous shape"
        return f"{self._name(parent)} on {self._name(path)}" if path else self._name(parent)

    def _name(self, term: rdflib.term.Node | None) -> str:
        if term is None:
            return ""
        if isinstance(term, rdflib.URIRef):
            return compact(str(term), READABLE_PREFIXES)
        if isinstance(term, rdflib.Literal):
            return term.n3()
        return f"[blank node {term}]"

    def owl_rl_inconsistencies(self, data: rdflib.Graph) -> list[str]:
        """What the OWL RL closure of ontology plus ``data`` finds inconsistent, sorted.

        The closure is computed on a copy: neither the ontology nor ``data`` is changed.
        """
        closure = rdflib.Graph()
        for triple in self.ontology:
            closure.add(triple)
        for triple in data:
            closure.add(triple)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
        messages = [str(message) for message in closure.objects(None, ERRNS.error)]
        messages.extend(
            f"{self._name(member)} is a member of owl:Nothing"
            for member in closure.subjects(RDF.type, OWL.Nothing)
        )
        return sorted(messages)


def _identifier(term: rdflib.term.Node | None) -> str:
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term) if term is not None else ""


def validate_dataset(settings: Settings) -> ValidationResult:
    """Validate every graph of the dataset (ontology, reports, link sets) together.

    The server calls this at start-up; ``ftzkg validate`` prints its ``text``. A conforming
    verdict on the very same files is reused (see the module's docstring).
    """
    started = time.perf_counter()
    sources = dataset_sources(settings.data_dir)
    remembered_at = _verdict_path(settings, sources)
    if remembered_at is not None and remembered_at.is_file():
        counts = json.loads(remembered_at.read_text())
        return ValidationResult(graph_counts=counts, remembered=True)
    graphs = {source: load_source(source) for source in sources}
    # Counted before validating: pyshacl adds to the shapes graph it is given.
    graph_counts = {source.iri(settings.base_iri): len(graph) for source, graph in graphs.items()}
    validator = Validator.from_graphs(graphs)
    data = rdflib.Graph()
    for source, graph in graphs.items():
        if source.kind in {"report", "links"}:
            data += graph
    result = validator.check(data)
    result.graph_counts = graph_counts
    result.seconds = time.perf_counter() - started
    if result.conforms and remembered_at is not None:
        _remember_verdict(remembered_at, graph_counts)
    return result


def _verdict_path(settings: Settings, sources: list[GraphSource]) -> Path | None:
    """Where a conforming verdict on exactly these files (and this code) is kept, if anywhere."""
    if settings.validation_cache == "off":
        return None
    folder = Path(settings.validation_cache or _default_cache_folder())
    digest = hashlib.sha256(f"{__version__}\n{settings.base_iri}\n".encode())
    for source in sources:
        digest.update(f"{source.kind}/{source.slug}:{source.content_hash()}\n".encode())
    return folder / f"{digest.hexdigest()}.json"


def _default_cache_folder() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "ftzkg" / "validated"


def _remember_verdict(path: Path, graph_counts: dict[str, int]) -> None:
    """Write atomically; a cache that cannot be written only costs the next start time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(json.dumps(graph_counts))
        partial.replace(path)
    except OSError:
        pass
