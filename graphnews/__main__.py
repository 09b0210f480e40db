"""``python -m graphnews`` (and the ``graphnews`` command) runs the command line.

Ctrl-C while the command line is still being imported ends it as Ctrl-C does later
("Interrupted.", exit code 130), not with a traceback.
"""

import sys


def main() -> None:
    """Console-script entry point: `graphnews.cli.main`, interruptible from the first moment."""
    try:
        from graphnews._interrupt import install

        install()  # a Ctrl-C whose KeyboardInterrupt gets lost still stops SQLite
        from graphnews.cli import main as run_cli

        run_cli()
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
