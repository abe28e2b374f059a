#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# lt-test-ui.py STEP...: drives the applications on the accessibility
# bus as a person would, one step after the other:
#   type NAME TEXT   puts TEXT into the text entry named NAME (its own
#                    accessible name, or a label next to it in a row)
#   click NAME       does the action of the button or menu item NAME
#   wait TEXT        waits until a label TEXT shows
#   gone TEXT        waits until no label TEXT shows
#   in TEXT          looks only in the window titled TEXT, or else in
#                    the part of a window headed by the label TEXT (e.g.
#                    one page of a stack, whose hidden pages GTK 4.8
#                    reports as visible); "in -" everywhere again
# Each step waits up to LT_TEST_ATSPI_TIMEOUT seconds for what it needs;
# on failure it says which step failed and prints what the windows show
# (roles and names) to standard error, exit status 1.  Run it with
# Debian's /usr/bin/python3 (python3-pyatspi).
import os
import sys
import time

import pyatspi

TIMEOUT = float(os.environ.get('LT_TEST_ATSPI_TIMEOUT', '10'))
CLICKABLE = {pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_MENU_ITEM,
             pyatspi.ROLE_CHECK_MENU_ITEM, pyatspi.ROLE_RADIO_MENU_ITEM}


scope = None


def nodes():
    """Every node of every window (or of the scope), depth first, with
    its parent chain."""
    def walk(node, ancestors):
        try:
            children = list(node)
        except Exception:
            return
        yield node, ancestors
        for child in children:
            if child is not None:
                yield from walk(child, ancestors + [node])
    if scope is not None:
        yield from walk(scope, [])
        return
    desktop = pyatspi.Registry.getDesktop(0)
    for application in desktop:
        if application is not None:
            yield from walk(application, [])


def safe(call, default=None):
    try:
        return call()
    except Exception:
        return default


def has_state(node, state):
    states = safe(node.getState)
    return states is not None and states.contains(state)


def showing(node, ancestors=()):
    """Visible, and so are its ancestors (GTK 4.8 sets no SHOWING)."""
    return all(has_state(n, pyatspi.STATE_VISIBLE) for n in list(ancestors) + [node]
               if safe(n.getRole) != pyatspi.ROLE_APPLICATION)


def editable(node):
    return safe(node.queryEditableText)


def is_label(node, text):
    return node.name == text and safe(node.getRole) == pyatspi.ROLE_LABEL


def find_entry(name):
    """An entry is named by its title (AdwEntryRow) or accessible label."""
    for node, ancestors in nodes():
        if node.name == name and editable(node) is not None and showing(node, ancestors):
            return node
    return None


def named(node, name):
    """A button's name in GTK 4.8 is its mnemonic and its text: go by
    the label in it."""
    children = safe(lambda: list(node), [])
    return node.name == name or any(c is not None and is_label(c, name) for c in children)


def n_actions(node):
    return safe(lambda: node.queryAction().nActions, 0)


def find_clickable(name):
    for node, ancestors in nodes():
        if (safe(node.getRole) in CLICKABLE and named(node, name) and showing(node, ancestors)
                and has_state(node, pyatspi.STATE_SENSITIVE)):
            # A GtkMenuButton acts through the toggle button in it.
            inner = [c for c in safe(lambda: list(node), []) if c is not None and n_actions(c)]
            if n_actions(node) or inner:
                return node if n_actions(node) else inner[0]
    return None


def label_shows(text):
    return any(is_label(node, text) and showing(node, ancestors) for node, ancestors in nodes())


def until(condition):
    deadline = time.monotonic() + TIMEOUT
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def do_type(name, text):
    entry = until(lambda: find_entry(name))
    if entry is None:
        return 'no text entry named “%s”' % name
    entry.queryEditableText().setTextContents(text)
    return None


def do_click(name):
    node = until(lambda: find_clickable(name))
    if node is None:
        return 'no button or menu item named “%s”' % name
    node.queryAction().doAction(0)
    return None


def do_wait(text):
    return None if until(lambda: label_shows(text)) else 'no label “%s” showed' % text


def do_gone(text):
    return None if until(lambda: not label_shows(text)) else 'the label “%s” stayed' % text


def find_heading(text):
    for node, ancestors in nodes():
        if node.name == text and safe(node.getRole) == pyatspi.ROLE_FRAME:
            return node
    for node, ancestors in nodes():
        if (is_label(node, text) and ancestors
                and safe(ancestors[-1].getRole) not in CLICKABLE):
            return ancestors[-1]
    return None


def do_in(text):
    global scope
    if text == '-':
        scope = None
        return None
    found = until(lambda: find_heading(text))
    if found is None:
        return 'no heading “%s”' % text
    scope = found
    return None


VERBS = {'type': (do_type, 2), 'click': (do_click, 1), 'wait': (do_wait, 1),
         'gone': (do_gone, 1), 'in': (do_in, 1)}


def dump():
    for node, ancestors in nodes():
        role = safe(node.getRoleName, '?')
        print('%s%s “%s”%s' % ('  ' * len(ancestors), role, node.name,
                               '' if showing(node, ancestors) else ' (hidden)'), file=sys.stderr)


def main(args):
    while args:
        verb = args.pop(0)
        function, n_args = VERBS[verb]
        step_args, args = args[:n_args], args[n_args:]
        problem = function(*step_args)
        if problem is not None:
            print('Step “%s %s”: expected it within %g s; %s. The windows show:'
                  % (verb, ' '.join(step_args), TIMEOUT, problem), file=sys.stderr)
            global scope
            scope = None
            dump()
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
