"""Broken mapping tables stop start-up with a CatalogError naming the file and key at fault."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.catalog import CatalogError, load_catalog

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
# Tables this directory owns; copied alone so other owners' work in progress cannot interfere.
COPIED = ("sellers.yaml", "finances.yaml", "products.yaml")

Edit = Callable[[dict[str, Any]], None]


def make_tree(tmp_path: Path) -> Path:
    root = tmp_path / "mappings"
    (root / "sections").mkdir(parents=True)
    for name in ("errors.yaml", "marketplaces.yaml"):
        shutil.copy(MAPPINGS / name, root / name)
    for name in COPIED:
        shutil.copy(MAPPINGS / "sections" / name, root / "sections" / name)
    return root


def edit(root: Path, name: str, change: Edit) -> Path:
    path = root / "sections" / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_unmodified_copy_loads(tmp_path: Path) -> None:
    catalog = load_catalog(make_tree(tmp_path), check_handlers=False)
    assert set(catalog.sections) == {"Sellers", "Finances", "Products"}
    assert catalog.resolve("/Sellers/2011-07-01", "2011-07-01", "GetServiceStatus") is not None


def _drop_namespace(d: dict[str, Any]) -> None:
    del d["versions"][0]["namespace"]


def _drop_section(d: dict[str, Any]) -> None:
    del d["section"]


def _drop_throttle(d: dict[str, Any]) -> None:
    del d["operations"]["ListMarketplaceParticipations"]["throttle"]


def _drop_target(d: dict[str, Any]) -> None:
    del d["operations"]["GetServiceStatus"]["target"]


def _zero_max(d: dict[str, Any]) -> None:
    d["operations"]["GetServiceStatus"]["throttle"]["max"] = 0


def _negative_restore(d: dict[str, Any]) -> None:
    d["throttle_groups"]["ListMarketplaceParticipations"]["restore"] = -1


def _text_period(d: dict[str, Any]) -> None:
    d["operations"]["GetServiceStatus"]["throttle"]["period"] = "five minutes"


def _no_period(d: dict[str, Any]) -> None:
    del d["operations"]["GetServiceStatus"]["throttle"]["period"]


def _throttle_not_mapping(d: dict[str, Any]) -> None:
    d["operations"]["GetServiceStatus"]["throttle"] = 2


def _unknown_group(d: dict[str, Any]) -> None:
    d["operations"]["ListMarketplaceParticipations"]["throttle"] = {"group": "NoSuchGroup"}


def _no_note(d: dict[str, Any]) -> None:
    d["operations"]["ListMarketplaceParticipations"]["target"] = {"kind": "unsupported"}


def _bad_kind(d: dict[str, Any]) -> None:
    d["operations"]["ListMarketplaceParticipations"]["target"]["kind"] = "translated"


def _local_without_handler(d: dict[str, Any]) -> None:
    del d["operations"]["GetServiceStatus"]["target"]["handler"]


def _no_versions(d: dict[str, Any]) -> None:
    d["versions"] = []


CASES: list[tuple[str, Edit, str]] = [
    ("missing-namespace", _drop_namespace, r"versions\[0\]: missing key 'namespace'"),
    ("missing-section", _drop_section, r"missing key 'section'"),
    ("missing-throttle", _drop_throttle, r"ListMarketplaceParticipations: missing key 'throttle'"),
    ("missing-target", _drop_target, r"GetServiceStatus: missing key 'target'"),
    ("zero-max", _zero_max, r"GetServiceStatus: throttle values must be positive"),
    ("negative-restore", _negative_restore, r"throttle values must be positive"),
    ("text-period", _text_period, r"GetServiceStatus: throttle needs max, restore, period"),
    ("no-period", _no_period, r"GetServiceStatus: throttle needs max, restore, period"),
    ("throttle-scalar", _throttle_not_mapping, r"throttle must be a mapping"),
    ("unknown-group", _unknown_group, r"unknown throttle group 'NoSuchGroup'"),
    ("unsupported-no-note", _no_note, r"an unsupported target needs a note"),
    ("bad-kind", _bad_kind, r"target.kind must be local, spapi or unsupported"),
    ("local-no-handler", _local_without_handler, r"a local target needs a handler"),
    ("no-versions", _no_versions, r"at least one version is needed"),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_sellers_table_is_rejected(tmp_path: Path, change: Edit, message: str) -> None:
    root = make_tree(tmp_path)
    edit(root, "sellers.yaml", change)
    with pytest.raises(CatalogError, match=message) as info:
        load_catalog(root, check_handlers=False)
    assert "sellers.yaml" in str(info.value)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    (root / "sections" / "sellers.yaml").write_text("section: [Sellers\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"sellers\.yaml: not valid YAML"):
        load_catalog(root, check_handlers=False)


def test_unknown_handler_module_is_rejected_when_handlers_are_checked(tmp_path: Path) -> None:
    root = make_tree(tmp_path)

    def change(d: dict[str, Any]) -> None:
        d["operations"]["GetServiceStatus"]["target"]["handler"] = "no_such_module:status"

    edit(root, "sellers.yaml", change)
    with pytest.raises(CatalogError, match=r"'no_such_module:status': cannot import module"):
        load_catalog(root, check_handlers=True)
    # the same table loads when handlers are not imported
    load_catalog(root, check_handlers=False)


def test_malformed_handler_reference_is_rejected(tmp_path: Path) -> None:
    root = make_tree(tmp_path)

    def change(d: dict[str, Any]) -> None:
        d["operations"]["GetServiceStatus"]["target"]["handler"] = "service_status"

    edit(root, "sellers.yaml", change)
    with pytest.raises(CatalogError, match=r"must look like 'module:function'"):
        load_catalog(root, check_handlers=True)


def test_two_sections_claiming_one_action_on_one_path_are_rejected(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    # a second section served on the Sellers path and version, also claiming the list operation
    intruder = {
        "section": "SellersCopy",
        "versions": [
            {
                "version": "2011-07-01",
                "paths": ["/Sellers/2011-07-01"],
                "namespace": "https://example.invalid/SellersCopy",
            }
        ],
        "operations": {
            "ListMarketplaceParticipations": {
                "throttle": {"max": 1, "restore": 1, "period": 1},
                "target": {"kind": "unsupported", "note": "duplicate"},
            }
        },
    }
    (root / "sections" / "zz_copy.yaml").write_text(yaml.safe_dump(intruder), encoding="utf-8")
    with pytest.raises(
        CatalogError,
        match=r"action ListMarketplaceParticipations is claimed by (Sellers and SellersCopy"
        r"|SellersCopy and Sellers)",
    ) as info:
        load_catalog(root, check_handlers=False)
    assert "/Sellers/2011-07-01" in str(info.value)


def test_same_section_defined_twice_is_rejected(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    shutil.copy(root / "sections" / "sellers.yaml", root / "sections" / "sellers_again.yaml")
    with pytest.raises(CatalogError, match=r"section Sellers is defined twice"):
        load_catalog(root, check_handlers=False)


def test_empty_sections_directory_is_rejected(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    for path in (root / "sections").glob("*.yaml"):
        path.unlink()
    with pytest.raises(CatalogError, match=r"holds no section tables"):
        load_catalog(root, check_handlers=False)


class _DuplicateKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping key given twice (yaml.safe_load keeps the last)."""


def _construct_unique(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise ValueError(f"duplicate key {key!r} at {key_node.start_mark}")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=True)


_DuplicateKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique,
)


def test_duplicate_key_detector_works() -> None:
    with pytest.raises(ValueError, match="duplicate key 'GetServiceStatus'"):
        yaml.load(
            "operations:\n  GetServiceStatus: 1\n  GetServiceStatus: 2\n",
            Loader=_DuplicateKeyLoader,
        )


@pytest.mark.parametrize("path", sorted((MAPPINGS / "sections").glob("*.yaml")), ids=str)
def test_no_section_table_lists_an_action_twice(path: Path) -> None:
    # The catalog loader cannot see a key repeated inside one file (the YAML parser keeps the
    # last), so an operation listed twice would silently lose its first entry.
    yaml.load(path.read_text(encoding="utf-8"), Loader=_DuplicateKeyLoader)
