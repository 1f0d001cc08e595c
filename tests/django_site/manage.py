#!/usr/bin/env python
"""The end-to-end Django site's manage.py (see README.md beside it).

Every setting the Rust side shares is read from the environment by
e2e_site/settings.py; DJANGO_SITE_DB must name the SQLite file.
"""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2e_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
