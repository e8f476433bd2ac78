from errors import run_cli
from qa.cli import main

raise SystemExit(run_cli(main))
