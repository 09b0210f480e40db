"""``python -m graphnews`` runs the command line."""

from graphnews.cli import main

main()
