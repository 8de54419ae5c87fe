"""The resource families of :class:`domino.Domino`, one mixin module per family.

The facade (``domino/domino.py``) composes these mixins; each module holds one family's
methods (projects, runs, jobs, files, apps, datasets, ...) and nothing else. The
infrastructure they share (HTTP, routes, waiting, validation, uploads) stays at the top
level of the package.
"""
