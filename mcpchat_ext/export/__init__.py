"""Chats exported as a notebook (.ipynb), as Markdown, and their approval audit as JSON.

Everything exported is hostile text (model replies, tool arguments and results): it leaves as
inert Markdown (HTML, images and script links neutralised, see :mod:`.text`), as fenced blocks,
or as code cells that nothing has run (no outputs). See :mod:`.service` for what each format holds.
"""
