from errors import run_cli
from index.cli import main

raise SystemExit(run_cli(main))
