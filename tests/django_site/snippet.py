"""Runs a Python snippet against the site's database, with the site's
settings (the same environment as the server).

The snippet is read from stdin; the command line's arguments are in
`args` (a list of strings). Django is set up, so models can be imported.
Whatever it prints is the output. Usage: python snippet.py [ARG...] < code
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    sys.path.insert(0, HERE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2e_site.settings")
    import django

    django.setup()
    code = sys.stdin.read()
    exec(compile(code, "<snippet>", "exec"), {"__name__": "__snippet__", "args": sys.argv[1:]})


if __name__ == "__main__":
    main()
