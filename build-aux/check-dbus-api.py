#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check a D-Bus introspection XML file and, optionally, its Markdown docs.

check-dbus-api.py INTERFACE.xml [--markdown DOC.md] [--errors ERRORS.c]

Without options: the XML must parse, and every interface, property,
method and signal must have a doc comment right before it in the
gdbus-codegen format,

    <!--
        Name:
        @arg: what it is

        What it does.
    -->

naming that element, documenting each of its arguments (and no
argument it does not have) with non-empty text, and saying something
about an element that has no arguments.

With --markdown: the Markdown file must show a `gdbus call` of every
method (`--method IFACE.Name`), and name every signal and property in
a heading or in backquotes.  With --errors (a C file with the
GDBusErrorEntry table): the Markdown file must give every D-Bus error
name in it in full (org.example.Error.Name).

Prints every problem and exits 1 if there is one.
"""

import argparse
import re
import sys
import xml.etree.ElementTree as ET

# Tags of gtk-doc that look like arguments.
GTK_DOC_TAGS = {"short_description"}
ARG_DOC = re.compile(r"^\s*@([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$")


def parse_comment(text):
    """Split a gdbus-codegen doc comment into (name, {arg: doc}, body)."""
    lines = text.strip("\n").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None, {}, ""
    first = lines.pop(0).strip()
    match = re.match(r"^([A-Za-z0-9_.]+):(.*)$", first)
    if not match:
        return None, {}, text.strip()
    name = match.group(1)
    args = {}
    body = [match.group(2)]
    current = None
    for line in lines:
        arg = ARG_DOC.match(line)
        if arg:
            current = arg.group(1)
            args[current] = arg.group(2).strip()
        elif current is not None and line.strip():
            # An argument's doc continues on indented lines.
            args[current] = (args[current] + " " + line.strip()).strip()
        else:
            current = None
            body.append(line)
    return name, args, "\n".join(body).strip()


def check_xml(path):
    problems = []
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    try:
        root = ET.parse(path, parser=parser).getroot()
    except ET.ParseError as error:
        return [f"{path}: not well-formed XML: {error}"], None

    def check_children(parent, kinds, where):
        previous = None
        for child in parent:
            if child.tag is ET.Comment:
                previous = child
                continue
            if child.tag not in kinds:
                previous = None
                continue
            name = child.get("name")
            what = f"{where}{child.tag} {name}"
            args = [a.get("name") for a in child.findall("arg")]
            if previous is None:
                problems.append(f"{path}: {what} has no doc comment before it")
                continue
            doc_name, arg_docs, body = parse_comment(previous.text or "")
            previous = None
            if doc_name is None:
                problems.append(f"{path}: the doc comment of {what} does not "
                                f"start with \"{name}:\"")
                continue
            if doc_name != name:
                problems.append(f"{path}: the doc comment before {what} is "
                                f"about \"{doc_name}\"")
            for arg in args:
                if not arg:
                    problems.append(f"{path}: {what} has an argument without a name")
                elif not arg_docs.get(arg):
                    problems.append(f"{path}: {what}: argument {arg} is not documented")
            for arg in arg_docs:
                if arg not in args and arg not in GTK_DOC_TAGS:
                    problems.append(f"{path}: {what}: documents @{arg}, which it "
                                    "does not have")
            if not args and not body:
                problems.append(f"{path}: the doc comment of {what} says nothing")

    check_children(root, ("interface",), "")
    interfaces = root.findall("interface")
    if not interfaces:
        problems.append(f"{path}: no interface")
    for iface in interfaces:
        check_children(iface, ("property", "method", "signal"),
                       f"{iface.get('name')}: ")
    return problems, root


def check_markdown(path, root, error_source):
    problems = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    quoted = set(re.findall(r"`([^`\n]+)`", text))
    headings = set()
    for line in text.splitlines():
        if line.startswith("#"):
            headings.update(re.findall(r"[A-Za-z0-9_.]+", line))

    def named(name):
        return (name in headings or name in quoted
                or any(q.startswith(name + "(") for q in quoted))

    for iface in root.findall("interface"):
        iface_name = iface.get("name")
        for method in iface.findall("method"):
            name = method.get("name")
            call = f"--method {iface_name}.{name}"
            if not re.search(re.escape(call) + r"(\s|$)", text):
                problems.append(f"{path}: no `gdbus call ... {call}` example")
        for kind in ("signal", "property"):
            for element in iface.findall(kind):
                name = element.get("name")
                if not named(name):
                    problems.append(f"{path}: {kind} {name} is not described "
                                    "(no heading or `code` naming it)")

    if error_source:
        with open(error_source, encoding="utf-8") as f:
            source = f.read()
        prefix = re.search(r'#define\s+ERROR_PREFIX\s+"([^"]+)"', source)
        names = re.findall(r'ERROR_PREFIX\s+"([A-Za-z]+)"', source)
        if not prefix or not names:
            problems.append(f"{error_source}: found no error names")
        for name in names:
            full = prefix.group(1) + name if prefix else name
            if full not in text:
                problems.append(f"{path}: error {full} is not listed")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("interface")
    parser.add_argument("--markdown")
    parser.add_argument("--errors")
    options = parser.parse_args()

    problems, root = check_xml(options.interface)
    if root is not None and options.markdown:
        problems += check_markdown(options.markdown, root, options.errors)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
