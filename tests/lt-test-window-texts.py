#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# lt-test-window-texts.py TITLE: prints, one a line, the text of every
# label that the accessibility bus shows in the top-level windows
# titled TITLE, of any application.  Exit status 0 when such a window
# exists, 1 when none does.  Run it with Debian's /usr/bin/python3
# (python3-pyatspi); it gives up after LT_TEST_ATSPI_TIMEOUT seconds.
import os
import signal
import sys

import pyatspi


def texts_under(node, out):
    try:
        role = node.getRole()
        children = list(node)
    except Exception:
        return
    # GTK 4.8 names a label by its text, and its Text interface is empty.
    if role == pyatspi.ROLE_LABEL:
        out.append(node.name)
    for child in children:
        if child is not None:
            texts_under(child, out)


def main():
    signal.alarm(int(os.environ.get('LT_TEST_ATSPI_TIMEOUT', '10')))
    title = sys.argv[1]
    found = False
    texts = []
    desktop = pyatspi.Registry.getDesktop(0)
    for application in desktop:
        if application is None:
            continue
        for window in application:
            if window is not None and window.name == title:
                found = True
                texts_under(window, texts)
    for text in texts:
        print(text.replace('\n', ' '))
    return 0 if found else 1


if __name__ == '__main__':
    sys.exit(main())
