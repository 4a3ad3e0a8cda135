"""The domain stays pure: its modules import no store, no settings, no command line, no Prefect, no FastAPI.

`pitwall/` holds the domain and, in `pitwall/stores/`, `pitwall/cli/`, `pitwall/console.py` and
`pitwall/settings.py`, the infrastructure the layers above share; the rule is read off the source, every import statement.
"""

import ast
from pathlib import Path

import pitwall

PACKAGE = Path(pitwall.__file__).resolve().parent
INFRASTRUCTURE = ("pitwall.stores", "pitwall.cli", "pitwall.console", "pitwall.settings")
FORBIDDEN = INFRASTRUCTURE + ("prefect", "prefect_dask", "fastapi", "starlette", "uvicorn", "neo4j", "redis",
                              "flows", "tasks", "service", "deployments")


def _module(path: Path) -> str:
    return ".".join(("pitwall", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _under(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def test_domain_modules_import_no_infrastructure():
    domain = [p for p in PACKAGE.rglob("*.py") if not _under(_module(p), INFRASTRUCTURE)]
    assert len(domain) > 10, "the domain modules were found"
    broken = {
        _module(path): sorted(name for name in _imports(path) if _under(name, FORBIDDEN)) for path in domain
    }
    assert {module: names for module, names in broken.items() if names} == {}
