"""Benchmarks (`memlora bench engine|memory`): `engine` (engine speed), `memory` (store search at 1k-100k rows),
`ops` (Memory API add/answer timings); `cli` dispatches."""
