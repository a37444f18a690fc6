"""Conformance suites: what every instrument, funder, step, report section and renderer must
do, applied to a plugin in one line of a test module.

Each function returns a pytest test class; bind it to a name starting with ``Test``:

```python
from bilan_core.testing import conformance

TestInstrument = conformance.instrument_suite("mon_questionnaire", plugin="acme-instruments")
TestFunder = conformance.funder_suite("region_hdf", plugin="bilan_region.plugin")
TestStep = conformance.step_suite("closing_note", plugin="bilan_hello.plugin")
TestSections = conformance.section_suite(plugin="bilan_hello.plugin",
                                         steps=["closing_note"])
TestRenderer = conformance.renderer_suite("txt", plugin="bilan_hello.plugin")
```

``plugin`` names the plugin under test in any form :mod:`bilan_core.testing.hosts` accepts
(a module, an installed plugin's or distribution's name, a module path); ``first_party``
names the installed plugins it needs besides the core's built-in ones. Each check is its own
test method, whose failure names the plugin and every offending item; subclass the returned
class to add checks or to replace one (a method of the same name).

The suites share one host per plugin and one set of sample dossiers per host for the whole
session (:func:`bilan_core.testing.hosts.shared_host`).
"""

from __future__ import annotations

from bilan_core.testing.conformance.funders import funder_suite
from bilan_core.testing.conformance.instruments import instrument_suite
from bilan_core.testing.conformance.renderers import renderer_suite
from bilan_core.testing.conformance.sections import section_suite
from bilan_core.testing.conformance.steps import step_suite

__all__ = ["funder_suite", "instrument_suite", "renderer_suite", "section_suite",
           "step_suite"]
