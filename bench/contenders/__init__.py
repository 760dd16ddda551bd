"""Contenders: one module per client under test, each run in a process of its own.

Every module here is a program (``python -m bench.contenders.<name> '<spec>'``,
or by path for the official SDK, which lives in another virtualenv) built on
:mod:`bench.contenders._measure`. The harness knows them through
:data:`bench.registry.CONTENDERS`.
"""
