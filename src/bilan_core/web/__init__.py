"""The web application: beneficiaries answer their questionnaires in a browser.

Imported only by ``bilan serve`` (and the ASGI servers it runs): Starlette, its form parser and
itsdangerous are not loaded by any other command. See ``docs/web.md``.
"""
