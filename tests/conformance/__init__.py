"""The W3C SPARQL 1.0 and 1.1 conformance harness, run through the real HTTP endpoint."""
