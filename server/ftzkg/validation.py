"""Checking the data before anyone is served it: SHACL shapes and OWL RL consistency.

The server validates the dataset at start-up (``validate_dataset``) and refuses to serve
data that breaks the shapes; guarded writes validate the graphs they would store
(``Validator.check``) with the same shapes and ontology, so both paths give the same verdict
and the same readable report. Two checks run, both as SPARQL evaluated by pyoxigraph over
one scratch store holding the ontology and the data graphs:

* the shapes of ``shapes/ftz-shapes.ttl``, compiled to SPARQL (``shacl_sparql``), over the
  data plus its RDFS entailments from the ontology (``schema_closure``): the verdicts of
  pyshacl with ``inference="rdfs"``, which stays the fallback for shapes the compiler does
  not translate;
* the OWL RL "false" rules for the axiom kinds the ontology uses (``owl_rl_check``): what an
  owlrl closure reports, which stays the fallback for other OWL constructs.

pyshacl and owlrl took a minute at 100k triples and did not finish at 1M; the SPARQL checks
take seconds, and their independent queries run on all cores. Verdicts are also remembered
per named graph under a hash of the graph's file, of the graphs it depends on (those that
describe the resources it mentions), the ontology, the shapes, this code and the base IRI:
a start after one report changed re-checks only the resources that graph mentions (and the
ones pointing at them), still against the whole dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pyshacl
import rdflib
from owlrl.Namespaces import ERRNS
from rdflib.namespace import OWL, RDF, SH
from tqdm import tqdm

from ftzkg import __version__, owl_rl_check
from ftzkg.config import CANONICAL_BASE_IRI, ConfigurationError, Settings
from ftzkg.dataset import GraphSource, dataset_sources, read_graph_quads
from ftzkg.errors import BadRequest
from ftzkg.namespaces import all_prefixes, compact
from ftzkg.progress import progress_wanted
from ftzkg.schema_closure import RDF_TYPE, Schema, materialise_types
from ftzkg.shacl_sparql import (
    CANDIDATE,
    CANDIDATES,
    ShapeCompiler,
    ShapeResult,
    UnsupportedShapes,
    insert_targets,
    run_check,
)

READABLE_PREFIXES = all_prefixes(CANONICAL_BASE_IRI)
MODEL_KINDS = ("ontology", "shapes")
ONTOLOGY_GRAPH = ox.NamedNode(f"{CANONICAL_BASE_IRI}graph/ontology")
RDFS_ENTAILED = ox.NamedNode("urn:ftzkg:validation:rdfs-entailed")
# Changes whenever a change to the checks could change a verdict: remembered verdicts lapse.
CHECKS_REVISION = "sparql-2"


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
    checked_graphs: int = 0  # data graphs whose verdict was not remembered, so re-checked
    data_graphs: int = 0
    notes: list[str] = field(default_factory=list)  # which checks fell back to pyshacl/owlrl

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
            lines.extend(self._how_checked())
            return "\n".join(lines)
        lines = [f"{len(self.violations)} SHACL violation(s):"] if self.violations else []
        lines.extend(violation.describe() for violation in self.violations)
        if self.inconsistencies:
            lines.append(f"{len(self.inconsistencies)} OWL RL inconsistency(ies):")
            lines.extend(f"- {message}" for message in self.inconsistencies)
        lines.extend(self._how_checked())
        return "\n".join(lines)

    def _how_checked(self) -> list[str]:
        lines = [f"note: {note}" for note in self.notes]
        if self.data_graphs and self.checked_graphs == self.data_graphs:
            lines.append(f"checked all {self.data_graphs} data graphs")
        elif self.data_graphs and not self.remembered:
            lines.append(
                f"re-checked {self.checked_graphs} of {self.data_graphs} data graphs "
                "(the others' verdicts were remembered)"
            )
        return lines


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


def _term_id(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _readable(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value, READABLE_PREFIXES)
    if isinstance(term, ox.BlankNode):
        return f"[blank node {term.value}]"
    return str(term)


class Validator:
    """The shapes and the ontology, loaded once, that any data graph is checked against."""

    def __init__(self, ontology: rdflib.Graph, shapes: rdflib.Graph) -> None:
        self.ontology = ontology
        self.shapes = shapes
        self._ontology_quads = [
            ox.Quad(quad.subject, quad.predicate, quad.object, ONTOLOGY_GRAPH)
            for quad in ox.parse(
                ontology.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES
            )
        ]
        compiler = ShapeCompiler(shapes)
        try:
            self.targets, self.checks = compiler.compile()
            self.fallback_reason = ""
            self.read_classes, self.read_predicates = compiler.classes, compiler.predicates
        except UnsupportedShapes as error:
            self.targets, self.checks = {}, []
            self.read_classes, self.read_predicates = set(), set()
            self.fallback_reason = f"shapes checked by pyshacl (not compiled to SPARQL: {error})"

    @classmethod
    def from_settings(cls, settings: Settings) -> Validator:
        """The validator of the data folder in ``settings`` (for guarded writes)."""
        sources = dataset_sources(settings.data_dir)
        return cls.from_graphs(
            {source: load_source(source) for source in sources if source.kind in MODEL_KINDS}
        )

    @classmethod
    def from_graphs(cls, graphs: dict[GraphSource, rdflib.Graph]) -> Validator:
        by_kind = {source.kind: graph for source, graph in graphs.items()}
        missing = [kind for kind in MODEL_KINDS if kind not in by_kind]
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
        return self.check_quads(_quads_of(data))

    def check_quads(
        self, quads: Iterable[ox.Quad], context: Iterable[ox.Quad] = ()
    ) -> ValidationResult:
        """Validate the quads a write would store (one named graph, usually), as ``check``.

        ``context`` holds the quads of the other graphs the new one refers to, validated
        with it; pass the whole rest of the dataset to judge a write by the whole.
        """
        started = time.perf_counter()
        store, data_graphs = self._scratch_store([*quads, *context])
        result = self.check_store(store, data_graphs)
        result.seconds = time.perf_counter() - started
        return result

    def _scratch_store(self, quads: Iterable[ox.Quad]) -> tuple[ox.Store, list[ox.NamedNode]]:
        """One store: the ontology and the data as one graph (graph names do not matter)."""
        data_graph = ox.NamedNode("urn:ftzkg:validation:data")
        store = ox.Store()
        store.extend(self._ontology_quads)
        store.extend(ox.Quad(q.subject, q.predicate, q.object, data_graph) for q in quads)
        return store, [data_graph]

    def shape_violations(self, data: rdflib.Graph) -> list[Violation]:
        """The SHACL violations of ``data``, RDFS inference over the ontology on, sorted."""
        return self.check(data).violations

    def owl_rl_inconsistencies(self, data: rdflib.Graph) -> list[str]:
        """What the OWL RL rules find inconsistent in ontology plus ``data``, sorted."""
        return self.check(data).inconsistencies

    def check_store(
        self,
        store: ox.Store,
        data_graphs: list[ox.NamedNode],
        only_candidates: bool = False,
        progress: bool = False,
    ) -> ValidationResult:
        """Check every graph of ``store``: the ontology and the data graphs ``data_graphs``.

        The store must hold nothing else (not the shapes): this adds its own graphs. With
        ``only_candidates``, only the nodes marked in ``shacl_sparql.CANDIDATES`` are focus
        nodes and individuals; everything else in the store is their context.
        """
        notes = []
        unsupported = owl_rl_check.unsupported_axioms(store)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            # A scan of every literal, independent of the rest: it runs beside the shapes.
            literal_scan = pool.submit(owl_rl_check.ill_typed_literals, store)
            if self.fallback_reason:
                notes.append(self.fallback_reason)
                violations = self._pyshacl_violations(_rdflib_graph(store, data_graphs))
            else:
                violations = self._sparql_violations(store, pool, only_candidates, progress)
            if unsupported:
                notes.append(
                    "OWL RL checked by owlrl (the data uses " + ", ".join(unsupported) + ")"
                )
                inconsistencies = self._owlrl_inconsistencies(_rdflib_graph(store, data_graphs))
            else:
                schema = Schema.from_store(store)
                candidates = CANDIDATES if only_candidates else None
                found = owl_rl_check.inconsistencies(store, schema, candidates)
                inconsistencies = sorted({*found, *literal_scan.result()})
        return ValidationResult(violations=violations, inconsistencies=inconsistencies, notes=notes)

    def _sparql_violations(
        self, store: ox.Store, pool: ThreadPoolExecutor, only_candidates: bool, progress: bool
    ) -> list[Violation]:
        """The shapes' checks, run on all cores (pyoxigraph evaluates without the GIL)."""
        schema = Schema.from_store(store)
        materialise_types(store, schema, RDFS_ENTAILED, self.read_classes, self.read_predicates)
        insert_targets(store, self.targets, only_candidates)
        found: set[Violation] = set()
        bar = tqdm(
            total=len(self.checks),
            desc="validating",
            unit="check",
            disable=not progress or not progress_wanted(),
        )
        with bar:
            running = [pool.submit(run_check, store, check) for check in self.checks]
            for done in as_completed(running):
                found.update(self._violation(result) for result in done.result())
                bar.update()
        return sorted(found, key=lambda v: (v.focus_node, v.shape, v.path, v.component, v.value))

    def _violation(self, result: ShapeResult) -> Violation:
        check = result.check
        return Violation(
            focus_node=_term_id(result.focus),
            path=self._name(check.path) if check.path is not None else "",
            message=check.message,
            shape=self._shape_name(check.shape),
            component=str(check.component),
            value=_readable(result.value),
        )

    def _pyshacl_violations(self, data: rdflib.Graph) -> list[Violation]:
        """pyshacl's verdict: the fallback, and the reference the tests compare with."""
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
                self._pyshacl_violation(report, node)
                for node in report.subjects(RDF.type, SH.ValidationResult)
            ),
            key=lambda violation: (violation.focus_node, violation.shape, violation.path),
        )

    def _pyshacl_violation(self, report: rdflib.Graph, result: rdflib.term.Node) -> Violation:
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

    def _owlrl_inconsistencies(self, data: rdflib.Graph) -> list[str]:
        """The owlrl closure's verdict: the fallback, and the tests' reference."""
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

    def reference_check(self, data: rdflib.Graph) -> ValidationResult:
        """pyshacl and owlrl on ``data``, as before the SPARQL checks: slow, for comparison."""
        return ValidationResult(
            violations=self._pyshacl_violations(data),
            inconsistencies=self._owlrl_inconsistencies(data),
        )


def _quads_of(data: rdflib.Graph) -> list[ox.Quad]:
    text = data.serialize(format="nt", encoding="utf-8")
    return [
        ox.Quad(t.subject, t.predicate, t.object)
        for t in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
    ]


def _rdflib_graph(store: ox.Store, data_graphs: list[ox.NamedNode]) -> rdflib.Graph:
    quads = [q for graph in data_graphs for q in store.quads_for_pattern(None, None, None, graph)]
    return graph_from_quads(quads)


def _identifier(term: rdflib.term.Node | None) -> str:
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term) if term is not None else ""


def load_dataset_store(sources: list[GraphSource]) -> ox.Store:
    """Every file in its named graph (canonical IRIs), parsed by pyoxigraph.

    ``Store.load`` rather than ``bulk_load``: for a thousand small files into a store in
    memory it measured 1.9 s against 2.8 s at 1M triples.
    """
    store = ox.Store()
    for source in sources:
        try:
            store.load(
                path=source.path,
                format=ox.RdfFormat.TURTLE,
                to_graph=ox.NamedNode(source.iri(CANONICAL_BASE_IRI)),
            )
        except SyntaxError as error:
            raise BadRequest(f"{source.path}: {error}") from None
    return store


def graph_counts_of(store: ox.Store, sources: list[GraphSource], base_iri: str) -> dict[str, int]:
    counted = {
        row[0].value: int(row[1].value)
        for row in store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
    }
    return {source.iri(base_iri): counted.get(source.iri(), 0) for source in sources}


def dependencies(store: ox.Store, data_graphs: list[ox.NamedNode]) -> dict[str, set[str]]:
    """Graph → the other graphs that describe (as subject) a resource it mentions.

    A graph's verdict can change when such a graph changes: it adds values and types to
    the resources the graph talks about.
    """
    # Two distinct (graph, node) sets joined on the node: half the time of joining the
    # triples themselves at 1M triples.
    mentioned = f"{{ ?n ?p ?o }} UNION {{ ?s ?p ?n FILTER(isIRI(?n) && ?p != <{RDF_TYPE}>) }}"
    query = (
        f"SELECT DISTINCT ?g ?h WHERE {{ "
        f"{{ SELECT DISTINCT ?g ?n WHERE {{ GRAPH ?g {{ {mentioned} }} }} }} "
        "{ SELECT DISTINCT ?h ?n WHERE { GRAPH ?h { ?n ?q ?r } } } "
        f"FILTER(?g != ?h && ?g != {ONTOLOGY_GRAPH} && ?h != {ONTOLOGY_GRAPH}) }}"
    )
    found: dict[str, set[str]] = {graph.value: set() for graph in data_graphs}
    for graph, other in store.query(query):
        found[graph.value].add(other.value)
    return found


def validate_dataset(settings: Settings) -> ValidationResult:
    """Validate every graph of the dataset (ontology, reports, link sets).

    The server calls this at start-up; ``ftzkg validate`` prints its ``text``. Verdicts on
    the very same files are reused (see the module's docstring).
    """
    started = time.perf_counter()
    sources = dataset_sources(settings.data_dir)
    cache = _cache_folder(settings)
    dataset_key = _dataset_key(settings, sources)
    if cache is not None and (cache / f"{dataset_key}.json").is_file():
        counts = json.loads((cache / f"{dataset_key}.json").read_text())
        return ValidationResult(graph_counts=counts, remembered=True)
    model = {source.kind: source for source in sources if source.kind in MODEL_KINDS}
    validator = Validator.from_graphs({source: load_source(source) for source in model.values()})
    data_sources = [source for source in sources if source.kind not in MODEL_KINDS]
    store = load_dataset_store([model["ontology"], *data_sources])
    graph_counts = graph_counts_of(store, sources, settings.base_iri)
    graph_counts[model["shapes"].iri(settings.base_iri)] = len(validator.shapes)
    data_graphs = [ox.NamedNode(source.iri()) for source in data_sources]
    keys: dict[str, str] = {}
    changed = data_graphs
    if cache is not None:
        keys = _graph_keys(settings, model, data_sources, dependencies(store, data_graphs))
        changed = [
            graph for graph in data_graphs if not (cache / "graphs" / keys[graph.value]).is_file()
        ]
    # A file holding such literals is never remembered as conforming (the early return
    # below), so only the files not remembered need the scan.
    unsure = [source for source in data_sources if ox.NamedNode(source.iri()) in changed]
    rewritten = literals_the_store_rewrites([model["ontology"], *unsure])
    if rewritten:
        return _validate_files_with_pyshacl(
            validator, data_sources, rewritten, graph_counts, started
        )
    partial = len(changed) < len(data_graphs)
    if partial:
        _mark_candidates(store, changed)
    result = validator.check_store(store, data_graphs, only_candidates=partial, progress=True)
    result.graph_counts = graph_counts
    result.checked_graphs = len(changed)
    result.data_graphs = len(data_graphs)
    result.seconds = time.perf_counter() - started
    if result.conforms and cache is not None:
        for graph in changed:
            _write_atomically(cache / "graphs" / keys[graph.value], "conforms\n")
        _write_atomically(cache / f"{dataset_key}.json", json.dumps(graph_counts))
    return result


def literals_the_store_rewrites(sources: list[GraphSource]) -> list[str]:
    """Literals of the files that an Oxigraph store keeps in another form, with their file.

    The store canonicalises ("05"^^xsd:integer is read back as "5"; "5"^^xsd:int as
    "5"^^xsd:integer), so SPARQL over it would judge such literals differently from pyshacl
    on the files: a datatype constraint, or two values that become one. Such data (none in
    the project: the shapes ask for xsd:integer) is checked by pyshacl and owlrl instead.
    Only the distinct literals go through a scratch store: a second at 1M triples.
    """
    where: dict[ox.Literal, GraphSource] = {}
    for source in sources:
        for quad in ox.parse(path=source.path, format=ox.RdfFormat.TURTLE):
            if isinstance(quad.object, ox.Literal):
                where.setdefault(quad.object, source)
    subject, predicate = ox.NamedNode("urn:ftzkg:validation:s"), ox.NamedNode("urn:ftzkg:p")
    scratch = ox.Store()
    scratch.extend(ox.Quad(subject, predicate, literal) for literal in where)
    kept = {quad.object for quad in scratch}
    return sorted(f"{literal} in {where[literal].path}" for literal in set(where) - kept)


def _validate_files_with_pyshacl(
    validator: Validator,
    data_sources: list[GraphSource],
    rewritten: list[str],
    graph_counts: dict[str, int],
    started: float,
) -> ValidationResult:
    """pyshacl and owlrl on the files themselves (see ``literals_the_store_rewrites``)."""
    data = rdflib.Graph()
    for source in data_sources:
        data += load_source(source)
    result = validator.reference_check(data)
    shown = "; ".join(rewritten[:3]) + ("; …" if len(rewritten) > 3 else "")
    result.notes.append(
        f"checked by pyshacl and owlrl (slow): {len(rewritten)} literal(s) that a store "
        f"rewrites, e.g. {shown}"
    )
    result.graph_counts = graph_counts
    result.checked_graphs = result.data_graphs = len(data_sources)
    result.seconds = time.perf_counter() - started
    return result


def _mark_candidates(store: ox.Store, changed: list[ox.NamedNode]) -> None:
    """The nodes whose verdict the changed graphs can change: those they mention (as
    subject or object) and those with a statement about one of them.

    The classes of ``rdf:type`` statements are not resources a graph talks about: counting
    them would make every instance of a class a candidate.
    """
    changed_values = " ".join(str(graph) for graph in changed)
    mark = f"GRAPH {CANDIDATES} {{ ?n <{CANDIDATE}> true }}"
    store.update(
        f"INSERT {{ {mark} }} WHERE {{ VALUES ?g {{ {changed_values} }} GRAPH ?g {{ "
        f"{{ ?n ?p ?o }} UNION {{ ?s ?p ?n FILTER(!isLiteral(?n) && ?p != <{RDF_TYPE}>) }} }} }}"
    )
    store.update(
        f"INSERT {{ GRAPH {CANDIDATES} {{ ?m <{CANDIDATE}> true }} }} WHERE {{ {mark} "
        f"GRAPH ?h {{ ?m ?p ?n }} FILTER(?p != <{RDF_TYPE}>) }}"
    )


def _graph_keys(
    settings: Settings,
    model: dict[str, GraphSource],
    data_sources: list[GraphSource],
    depends_on: dict[str, set[str]],
) -> dict[str, str]:
    """Per data graph: the hash its remembered verdict is filed under."""
    hashes = {source.iri(): source.content_hash() for source in data_sources}
    common = (
        f"{__version__}\n{CHECKS_REVISION}\n{settings.base_iri}\n"
        f"{model['ontology'].content_hash()}\n{model['shapes'].content_hash()}\n"
    )
    keys = {}
    for iri, content_hash in hashes.items():
        digest = hashlib.sha256(f"{common}{iri}:{content_hash}\n".encode())
        for other in sorted(depends_on.get(iri, ())):
            digest.update(f"{other}:{hashes[other]}\n".encode())
        keys[iri] = digest.hexdigest()
    return keys


def _cache_folder(settings: Settings) -> Path | None:
    if settings.validation_cache == "off":
        return None
    return Path(settings.validation_cache or _default_cache_folder())


def _dataset_key(settings: Settings, sources: list[GraphSource]) -> str:
    """A hash of exactly these files (and this code): the whole verdict's key."""
    digest = hashlib.sha256(f"{__version__}\n{CHECKS_REVISION}\n{settings.base_iri}\n".encode())
    for source in sources:
        digest.update(f"{source.kind}/{source.slug}:{source.content_hash()}\n".encode())
    return digest.hexdigest()


def _default_cache_folder() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "ftzkg" / "validated"


def _write_atomically(path: Path, text: str) -> None:
    """A cache that cannot be written only costs the next start time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(text)
        partial.replace(path)
    except OSError:
        pass
