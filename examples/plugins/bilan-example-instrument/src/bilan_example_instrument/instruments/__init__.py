"""The instruments of the plugin: every ``*.toml`` file of this folder.

This module implements no hook: the ``bilan`` entry point names this folder, and bilan
registers each instrument file it holds when the plugin loads.
"""
