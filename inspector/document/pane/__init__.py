"""The document pane (``DocumentPane``, in ``document_pane.py``) and the parts it is made of.

The pane class is four mixins over ``pane_state.PaneState`` (its signals, widgets, state and
shared updates): ``showing.py`` (what the session shows, the raw text taken in),
``tree_edits.py`` (adding, deleting, following the undo stack), ``saving.py`` (save, review,
save a copy, restore, convert, and how each ends) and ``closing.py`` (letting the document go:
the unsaved-edits question and a save before closing, without a nested event loop).

``actions.py``: its actions and when each is enabled. ``bars.py``: the message bars under its
toolbar, each a ``message_bar.MessageBar``. ``header.py``: what its header says;
``header_widget.py``: the header that shows it. ``conflicts.py``: how a save's conflict is put
to the user. ``find.py`` and ``find_bar.py``: finding in the document; ``schema.py``: checking it
against its schema. ``prompts.py``: the questions it asks. The machinery behind it (the tree
and raw views, the edit session, loading and saving) is in ``inspector.document``.
"""
