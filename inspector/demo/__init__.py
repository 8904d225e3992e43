"""``lock-inspector --demo``: a temporary folder of stores in every state, kept alive by writers.

``store.py`` makes the folder and starts the writers (:class:`DemoStore`); ``writer.py`` is the
writer process itself (``python -m inspector.demo.writer``), taking real lockcore locks.
"""

from inspector.demo.store import DemoStore

__all__ = ["DemoStore"]
