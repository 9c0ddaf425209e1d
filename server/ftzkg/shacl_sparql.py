"""SHACL Core shapes compiled into SPARQL queries that pyoxigraph evaluates.

pyshacl walks the data node by node in Python: a minute at 100k triples, unfinished after
nine minutes at 1M. The same constraints written as SPARQL are set operations Oxigraph
evaluates in Rust, well under a second each at 1M triples, and independent queries run on
several cores at once (pyoxigraph releases the GIL while it evaluates).

The compiler covers the SHACL Core subset the project's shapes use (listed in
``SUPPORTED``); any other constraint, target or parameter raises ``UnsupportedShapes``, and
the caller falls back to pyshacl: a shape is never skipped silently. Each query returns the
focus nodes (and values) that violate one constraint of one shape, with the same focus
node, source shape, constraint component and path pyshacl reports.

Focus nodes are collected first into a private named graph (``TARGETS``): every query then
starts from a cheap index scan instead of re-deriving the targets, and a partial re-check
restricts the targets to the nodes that can have changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH

TARGETS = ox.NamedNode("urn:ftzkg:validation:targets")
CANDIDATES = ox.NamedNode("urn:ftzkg:validation:candidates")
TARGET_OF = "urn:ftzkg:validation:target-of"
CANDIDATE = "urn:ftzkg:validation:candidate"
# Parameters that describe a shape for people; they never change a verdict.
DESCRIPTIVE = {
    RDF.type,
    SH.name,
    SH.description,
    SH.message,
    SH.order,
    SH.group,
    RDFS.label,
    RDFS.comment,
    RDFS.subClassOf,  # of a shape that is also a class: ontology, not a constraint
}
SUPPORTED = {
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.property,
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH.minInclusive,
    SH.minLength,
    SH.lessThan,
    SH.uniqueLang,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH["or"],
    SH.languageIn,
    SH.severity,
    SH.deactivated,
}
NODE_KINDS = {
    SH.IRI: "isIRI(?v)",
    SH.BlankNode: "isBlank(?v)",
    SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "!isLiteral(?v)",
    SH.BlankNodeOrLiteral: "!isIRI(?v)",
    SH.IRIOrLiteral: "!isBlank(?v)",
}
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# Replaced, when a check runs, by the ill-typed literals found in Python (see ShapeCheck).
ILL_TYPED_VALUES = "VALUES ?v { ILL_TYPED }"


class UnsupportedShapes(Exception):
    """The shapes use SHACL this compiler does not translate; use pyshacl instead."""


@dataclass(frozen=True)
class ShapeCheck:
    """One constraint of one shape as a query selecting ``?focus`` (and maybe ``?value``).

    ``ill_typed_datatype`` is set for ``sh:datatype``: well-formedness of a literal's lexical
    form is judged in Python (as pyshacl does, through rdflib) on the distinct literals
    ``literals_query`` returns, because SPARQL has no test for it.
    """

    query: str
    shape: rdflib.term.Node
    component: rdflib.URIRef
    path: rdflib.term.Node | None
    message: str
    literals_query: str = ""
    ill_typed_datatype: str = ""


@dataclass(frozen=True)
class ShapeResult:
    """A violation as found: terms from the data, the shape and path from the shapes."""

    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    check: ShapeCheck


def _iri(term: rdflib.term.Node) -> str:
    if not isinstance(term, rdflib.URIRef):
        raise UnsupportedShapes(f"expected an IRI in the shapes, found {term!r}")
    return f"<{term}>"


def _literal(term: rdflib.term.Node) -> str:
    if not isinstance(term, rdflib.Literal):
        raise UnsupportedShapes(f"expected a literal in the shapes, found {term!r}")
    return term.n3()


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class ShapeCompiler:
    """Turns the shapes graph into target rules and ``ShapeCheck`` queries."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.shapes = shapes
        self.shape_ids: dict[rdflib.term.Node, str] = {}
        # What the checks read: inference need only write these types and properties.
        self.classes: set[str] = set()
        self.predicates: set[str] = set()

    def shape_id(self, shape: rdflib.term.Node) -> str:
        """A stable IRI naming a (maybe anonymous) shape inside the scratch store."""
        if shape not in self.shape_ids:
            self.shape_ids[shape] = f"<urn:ftzkg:validation:shape:{len(self.shape_ids)}>"
        return self.shape_ids[shape]

    def path(self, node: rdflib.term.Node) -> str:
        """A SHACL property path as a SPARQL property path (same values, distinct)."""
        if isinstance(node, rdflib.URIRef):
            self.predicates.add(str(node))
            return f"<{node}>"
        if (node, RDF.first, None) in self.shapes:
            items = list(rdflib.collection.Collection(self.shapes, node))
            return "(" + "/".join(self.path(item) for item in items) + ")"
        forms = {
            SH.inversePath: "^({})",
            SH.zeroOrMorePath: "({})*",
            SH.oneOrMorePath: "({})+",
            SH.zeroOrOnePath: "({})?",
        }
        for predicate, form in forms.items():
            inner = self.shapes.value(node, predicate)
            if inner is not None:
                return form.format(self.path(inner))
        alternatives = self.shapes.value(node, SH.alternativePath)
        if alternatives is not None:
            items = list(rdflib.collection.Collection(self.shapes, alternatives))
            return "(" + "|".join(self.path(item) for item in items) + ")"
        raise UnsupportedShapes(f"a property path the compiler does not know: {node!r}")

    def compile(self) -> tuple[dict[str, list[str]], list[ShapeCheck]]:
        """(shape id → target patterns binding ``?focus`` in a graph, checks).

        Raises ``UnsupportedShapes``.
        """
        targets: dict[str, list[str]] = {}
        checks: list[ShapeCheck] = []
        target_predicates = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
        roots = {shape for p in target_predicates for shape in self.shapes.subjects(p, None)}
        roots |= self._implicit_class_targets()
        for shape in sorted(roots, key=str):
            if self._deactivated(shape):
                continue
            shape_id = self.shape_id(shape)
            targets[shape_id] = list(self._target_patterns(shape))
            focus = f"GRAPH {TARGETS} {{ ?focus <{TARGET_OF}> {shape_id} }}"
            checks.extend(self.shape_checks(shape, focus))
        return targets, checks

    def _implicit_class_targets(self) -> set[rdflib.term.Node]:
        """Shapes that are also classes: their instances are their focus nodes."""
        shapes = set(self.shapes.subjects(RDF.type, SH.NodeShape))
        shapes |= set(self.shapes.subjects(RDF.type, SH.PropertyShape))
        return shapes & set(self.shapes.subjects(RDF.type, RDFS.Class))

    def _target_patterns(self, shape: rdflib.term.Node) -> Iterator[str]:
        """Patterns over one graph ``?g`` of the store that bind the shape's focus nodes.

        A class target needs no ``rdfs:subClassOf*``: the store holds the closed types.
        """
        classes = set(self.shapes.objects(shape, SH.targetClass))
        if shape in self._implicit_class_targets():
            classes.add(shape)
        for cls in sorted(classes, key=str):
            yield f"GRAPH ?g {{ {self._typed('?focus', cls)} }}"
        for node in self.shapes.objects(shape, SH.targetNode):
            if isinstance(node, rdflib.Literal):
                raise UnsupportedShapes(f"{shape}: a literal as target node")
            yield f"VALUES ?focus {{ {_iri(node)} }}"
        for predicate in self.shapes.objects(shape, SH.targetSubjectsOf):
            yield f"GRAPH ?g {{ ?focus {_iri(predicate)} ?any }}"
        if (shape, SH.targetObjectsOf, None) in self.shapes:
            # Literals can be its focus nodes, and the graph of targets cannot hold them.
            raise UnsupportedShapes(f"{shape}: sh:targetObjectsOf")

    def _deactivated(self, shape: rdflib.term.Node) -> bool:
        return bool(self.shapes.value(shape, SH.deactivated, default=rdflib.Literal(False)))

    def shape_checks(self, shape: rdflib.term.Node, focus: str) -> Iterator[ShapeCheck]:
        """The checks of ``shape`` for the focus nodes the pattern ``focus`` binds."""
        for predicate in set(self.shapes.predicates(shape, None)):
            if predicate not in SUPPORTED and predicate not in DESCRIPTIVE:
                raise UnsupportedShapes(f"{shape}: {predicate} is not compiled to SPARQL")
        severity = self.shapes.value(shape, SH.severity)
        if severity not in (None, SH.Violation):
            raise UnsupportedShapes(f"{shape}: severity {severity}")
        if self._deactivated(shape):
            return
        path_node = self.shapes.value(shape, SH.path)
        for node in self.shapes.objects(shape, SH.property):
            if path_node is not None:
                # Its focus nodes would be this shape's values, not this shape's focus nodes.
                raise UnsupportedShapes(f"{shape}: sh:property on a property shape")
            yield from self.shape_checks(node, focus)
        path = self.path(path_node) if path_node is not None else ""
        # Value nodes: the focus node itself for a node shape, else the path's values.
        values = f"?focus {path} ?v ." if path else "BIND(?focus AS ?v)"
        message = "; ".join(sorted(str(text) for text in self.shapes.objects(shape, SH.message)))

        def check(component: rdflib.URIRef, query: str, default: str, **extra: str) -> ShapeCheck:
            return ShapeCheck(query, shape, component, path_node, message or default, **extra)

        def per_value(component: rdflib.URIRef, where: str, default: str, **extra: str):  # type: ignore[no-untyped-def]
            query = f"SELECT DISTINCT ?focus ?v WHERE {{ {focus} {values} {where} }}"
            return check(component, query, default, **extra)

        def per_focus(component: rdflib.URIRef, where: str, default: str) -> ShapeCheck:
            return check(component, f"SELECT DISTINCT ?focus WHERE {{ {focus} {where} }}", default)

        def counted(component: rdflib.URIRef, pattern: str, having: str, default: str):  # type: ignore[no-untyped-def]
            query = f"SELECT ?focus WHERE {{ {focus} {pattern} }} GROUP BY ?focus HAVING({having})"
            return check(component, query, default)

        for kind in self.shapes.objects(shape, SH.nodeKind):
            if kind not in NODE_KINDS:
                raise UnsupportedShapes(f"{shape}: node kind {kind}")
            yield per_value(
                SH.NodeKindConstraintComponent,
                f"FILTER(!({NODE_KINDS[kind]}))",
                f"Value is not of node kind {kind}",
            )
        for pattern in self.shapes.objects(shape, SH.pattern):
            flags = self.shapes.value(shape, SH.flags)
            arguments = _literal(pattern) + (f", {_literal(flags)}" if flags else "")
            yield per_value(
                SH.PatternConstraintComponent,
                f"FILTER(isBlank(?v) || !REGEX(STR(?v), {arguments}))",
                f"Value does not match pattern {pattern}",
            )
        for cls in self.shapes.objects(shape, SH["class"]):
            yield per_value(
                SH.ClassConstraintComponent,
                f"FILTER(isLiteral(?v) || NOT EXISTS {{ {self._typed('?v', cls)} }})",
                f"Value does not have class {cls}",
            )
        for datatype in self.shapes.objects(shape, SH.datatype):
            default = f"Value is not Literal with datatype {datatype}"
            if str(datatype) == RDF_LANG_STRING:
                condition = '!isLiteral(?v) || LANG(?v) = ""'
            else:
                condition = f"!isLiteral(?v) || DATATYPE(?v) != {_iri(datatype)}"
                literals = (
                    f"SELECT DISTINCT ?v WHERE {{ {focus} {values} "
                    f"FILTER(isLiteral(?v) && DATATYPE(?v) = {_iri(datatype)}) }}"
                )
                yield per_value(
                    SH.DatatypeConstraintComponent,
                    ILL_TYPED_VALUES,
                    default,
                    literals_query=literals,
                    ill_typed_datatype=str(datatype),
                )
            yield per_value(SH.DatatypeConstraintComponent, f"FILTER({condition})", default)
        for minimum in self.shapes.objects(shape, SH.minInclusive):
            yield per_value(
                SH.MinInclusiveConstraintComponent,
                f"FILTER(!COALESCE(?v >= {_literal(minimum)}, false))",
                f"Value is not >= {minimum}",
            )
        for length in self.shapes.objects(shape, SH.minLength):
            yield per_value(
                SH.MinLengthConstraintComponent,
                f"FILTER(isBlank(?v) || STRLEN(STR(?v)) < {int(length)})",
                f"String length not >= {length}",
            )
        for other in self.shapes.objects(shape, SH.lessThan):
            yield per_value(
                SH.LessThanConstraintComponent,
                f"?focus {self.path(other)} ?w . FILTER(!COALESCE(?v < ?w, false))",
                f"Value is not < value of {other}",
            )
        for languages in self.shapes.objects(shape, SH.languageIn):
            yield per_value(
                SH.LanguageInConstraintComponent,
                f"FILTER(!({self._language_in(languages)}))",
                "Language not in the allowed list",
            )
        for members in self.shapes.objects(shape, SH["or"]):
            if path:
                raise UnsupportedShapes(f"{shape}: sh:or on a property shape")
            failing = " && ".join(
                f"NOT EXISTS {{ {self._member_conforms(member)} }}"
                for member in rdflib.collection.Collection(self.shapes, members)
            )
            yield per_value(
                SH.OrConstraintComponent,
                f"FILTER({failing})",
                "Node does not conform to one or more shapes in sh:or",
            )
        if not path:
            return
        for minimum in self.shapes.objects(shape, SH.minCount):
            count, default = int(minimum), f"Less than {minimum} values"
            if count == 1:
                yield per_focus(
                    SH.MinCountConstraintComponent, f"FILTER NOT EXISTS {{ {values} }}", default
                )
            else:
                yield counted(
                    SH.MinCountConstraintComponent,
                    f"OPTIONAL {{ {values} }}",
                    f"COUNT(DISTINCT ?v) < {count}",
                    default,
                )
        for maximum in self.shapes.objects(shape, SH.maxCount):
            yield counted(
                SH.MaxCountConstraintComponent,
                values,
                f"COUNT(DISTINCT ?v) > {int(maximum)}",
                f"More than {maximum} values",
            )
        if rdflib.Literal(True) in set(self.shapes.objects(shape, SH.uniqueLang)):
            tagged = f'{values} FILTER(isLiteral(?v) && LANG(?v) != "")'
            query = (
                f"SELECT ?focus WHERE {{ {focus} {tagged} }} "
                "GROUP BY ?focus (LANG(?v) AS ?language) HAVING(COUNT(DISTINCT ?v) > 1)"
            )
            yield check(SH.UniqueLangConstraintComponent, query, "Language is not unique")
        value_shape = self.shapes.value(shape, SH.qualifiedValueShape)
        if value_shape is None:
            return
        if (shape, SH.qualifiedValueShapesDisjoint, None) in self.shapes:
            raise UnsupportedShapes(f"{shape}: sh:qualifiedValueShapesDisjoint")
        conforming = f"OPTIONAL {{ {values} FILTER({self._value_conforms(value_shape)}) }}"
        for bound in self.shapes.objects(shape, SH.qualifiedMinCount):
            yield counted(
                SH.QualifiedMinCountConstraintComponent,
                conforming,
                f"COUNT(DISTINCT ?v) < {int(bound)}",
                f"Less than {bound} values conform to the qualified value shape",
            )
        for bound in self.shapes.objects(shape, SH.qualifiedMaxCount):
            yield counted(
                SH.QualifiedMaxCountConstraintComponent,
                conforming,
                f"COUNT(DISTINCT ?v) > {int(bound)}",
                f"More than {bound} values conform to the qualified value shape",
            )

    def _typed(self, node: str, cls: rdflib.term.Node) -> str:
        """``node`` is an instance of ``cls``: the store holds the closed types (see
        ``schema_closure``), so no ``rdfs:subClassOf*`` path is needed."""
        self.classes.add(str(cls))
        return f"{node} <{RDF.type}> {_iri(cls)}"

    def _language_in(self, languages: rdflib.term.Node) -> str:
        tags = [str(tag) for tag in rdflib.collection.Collection(self.shapes, languages)]
        tests = " || ".join(f"langMatches(LANG(?v), {_string(tag)})" for tag in tags)
        return f"isLiteral(?v) && ({tests or 'false'})"

    def _value_conforms(self, value_shape: rdflib.term.Node) -> str:
        """A FILTER expression true when ``?v`` conforms to a (qualified) value shape."""
        tests = []
        for predicate, obj in self.shapes.predicate_objects(value_shape):
            if predicate in DESCRIPTIVE:
                continue
            if predicate == SH["class"]:
                tests.append(f"EXISTS {{ {self._typed('?v', obj)} }}")
            elif predicate == SH.languageIn:
                tests.append(f"({self._language_in(obj)})")
            else:
                raise UnsupportedShapes(f"qualified value shape with {predicate}")
        return " && ".join(tests) or "true"

    def _member_conforms(self, member: rdflib.term.Node) -> str:
        """A pattern matching when ``?focus`` conforms to an ``sh:or`` member shape."""
        parameters = {p for p in self.shapes.predicates(member, None) if p not in DESCRIPTIVE}
        minimum = self.shapes.value(member, SH.minCount)
        if parameters != {SH.path, SH.minCount} or int(minimum) != 1:
            raise UnsupportedShapes("sh:or members other than a path with sh:minCount 1")
        return f"?focus {self.path(self.shapes.value(member, SH.path))} ?any"


def insert_targets(store: ox.Store, targets: dict[str, list[str]], only_candidates: bool) -> None:
    """Record the focus nodes of every shape in the graph ``TARGETS``."""
    candidate = f"GRAPH {CANDIDATES} {{ ?focus <{CANDIDATE}> true }}" if only_candidates else ""
    branches = [
        f"{{ {pattern} BIND({shape_id} AS ?shape) }}"
        for shape_id, patterns in targets.items()
        for pattern in patterns
    ]
    if branches:
        store.update(
            f"INSERT {{ GRAPH {TARGETS} {{ ?focus <{TARGET_OF}> ?shape }} }} WHERE {{ "
            f"{' UNION '.join(branches)} {candidate} }}"
        )


def run_check(store: ox.Store, check: ShapeCheck) -> list[ShapeResult]:
    """The violations one check finds, with every graph of ``store`` as default graph."""
    query = check.query
    if check.ill_typed_datatype:
        literals = [
            row[0] for row in store.query(check.literals_query, use_default_graph_as_union=True)
        ]
        bad = [
            literal
            for literal in literals
            if rdflib.Literal(literal.value, datatype=check.ill_typed_datatype).ill_typed
        ]
        if not bad:
            return []
        query = query.replace("ILL_TYPED", " ".join(map(str, bad)))
    results = []
    for row in store.query(query, use_default_graph_as_union=True):
        value = row["v"] if "?v" in query.split(" WHERE ")[0] else None
        results.append(ShapeResult(row["focus"], value, check))
    return results
