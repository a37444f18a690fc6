"""MkDocs hooks of the bilan site (``hooks:`` in mkdocs.yml).

The reference pages are generated from the code when the site is built, by the functions of
:mod:`bilan_core.docgen`, and added to the site's files without being written to ``docs/``:
the hooks, the pipeline and instrument files, the funding rules and the command line. They
cannot drift from the code, and there is nothing generated to commit.
"""

from __future__ import annotations

import os
from typing import Any

# The reference is English. Set before bilan_core.cli is imported: help texts are translated
# when their module is imported, in the language of the process.
os.environ["LANGUAGE"] = "en"


def on_files(files: Any, config: Any) -> Any:
    """Add the generated reference pages to the site."""
    from mkdocs.structure.files import File

    from bilan_core import docgen

    for path, (function, _title) in docgen.PAGES.items():
        content = getattr(docgen, function)()
        files.append(File.generated(config, path, content=content))
    return files
