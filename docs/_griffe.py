"""A Griffe extension for the site's API pages (mkdocstrings, ``extensions:`` in mkdocs.yml).

bilan's docstrings use reST inline markup (``:func:`load_host```, double backticks) and the
odd simple table; mkdocstrings renders Markdown. The extension rewrites each docstring with
:func:`bilan_core.docgen.markdown_inline` before it is parsed, as the generated reference
pages are written.
"""

from __future__ import annotations

from typing import Any

import griffe


class ReSTRoles(griffe.Extension):
    """reST roles, literals and simple tables of docstrings as Markdown."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        from bilan_core.docgen import markdown_inline

        if obj.docstring is not None:
            obj.docstring.value = markdown_inline(obj.docstring.value)
