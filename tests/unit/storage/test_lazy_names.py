"""skill.storage names its store classes and store URLs without importing them (the
Lambda function never parses a store URL, and its zip does not carry the parser). The
names it promises must stay those the modules export."""

from __future__ import annotations

import importlib

import skill.storage as storage


def test_every_lazy_name_is_exported_by_its_module_and_resolves_to_it():
    for name, module_name in storage._LAZY.items():
        module = importlib.import_module(module_name)
        assert name in module.__all__, f"{module_name} does not export {name}"
        assert name in storage.__all__, f"skill.storage does not list {name}"
        assert getattr(storage, name) is getattr(module, name)


def test_the_store_urls_skill_storage_offers_are_all_the_urls_module_exports():
    urls = importlib.import_module("skill.storage.urls")
    offered = {name for name, module in storage._LAZY.items() if module == urls.__name__}
    # ACCEPTED_FORMS is the parser's own help text, for the command line only.
    assert offered == set(urls.__all__) - {"ACCEPTED_FORMS"}
