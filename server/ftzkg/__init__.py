"""ftzkg: the China (Heilongjiang) Pilot Free Trade Zone report as a knowledge graph.

The package holds everything that runs: loading and validating the graph, the store, the
SPARQL 1.1 protocol, the Linked Data pages and the command line. The data itself (ontology,
report graphs, shapes, link sets, competency queries) lives in the repository's data folders
and is shipped in the wheel under ``share/ftzkg``.
"""

__version__ = "0.1.0"
