"""The plugin author's kit: pytest fixtures and conformance suites.

Installing bilan-core installs a pytest plugin (entry point ``pytest11``,
:mod:`bilan_core.testing.plugin`): a test of a plugin names the fixtures it needs, and a test
module applies a conformance suite in one line:

```python
from bilan_core.testing import conformance

TestFunder = conformance.funder_suite("region_hdf", plugin="bilan_region.plugin")


def test_the_aid_is_for_private_employees(bilan_host, make_beneficiary):
    host = bilan_host("bilan_region.plugin")
    ...
```

- :mod:`bilan_core.testing.plugin`: the fixtures ``bilan_host``, ``bilan_cli``,
  ``make_beneficiary``, ``make_pipeline``, ``make_dossier``;
- :mod:`bilan_core.testing.conformance`: ``instrument_suite``, ``funder_suite``,
  ``step_suite``, ``section_suite``, ``renderer_suite``;
- :mod:`bilan_core.testing.hosts`: hosts with only the plugins a test names
  (:func:`~bilan_core.testing.hosts.build_host`);
- :mod:`bilan_core.testing.factories`: beneficiaries, pipeline files, dossiers and the
  sample dossiers the suites use;
- :mod:`bilan_core.testing.formats`, :mod:`bilan_core.testing.audit`,
  :mod:`bilan_core.testing.generate`: what the suites check documents with, watch
  renderers with, and feed instruments and funders with.

Nothing here is imported before a test uses it: pytest loads the plugin module in every
project where bilan-core is installed.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Names importable from this package, and the module each comes from (loaded on first use).
_EXPORTS = {
    "build_host": "bilan_core.testing.hosts",
    "make_beneficiary": "bilan_core.testing.factories",
    "make_dossier": "bilan_core.testing.factories",
    "make_pipeline": "bilan_core.testing.factories",
    "CliResult": "bilan_core.testing.plugin",
}

__all__ = ["CliResult", "build_host", "conformance", "make_beneficiary", "make_dossier",
           "make_pipeline"]


def __getattr__(name: str) -> Any:
    if name == "conformance":
        return importlib.import_module("bilan_core.testing.conformance")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bilan_core.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
