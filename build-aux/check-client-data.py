#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that the client's desktop integration files agree.

Usage: check-client-data.py APP_ID DESKTOP METAINFO DBUS_SERVICE GSCHEMA
                            ICON SYMBOLIC_ICON

Run by `meson test --suite data` on the built (merged, configured)
files.  desktop-file-validate, appstreamcli and glib-compile-schemas
check each file on its own; this checks what none of them sees:

- the desktop file, the metainfo, the D-Bus service, the schema and the
  icons all use the application ID, and the desktop file's Exec= is the
  binary the metainfo provides;
- DBusActivatable=true has a D-Bus service file for the same name whose
  Exec= is that binary, by absolute path, in GApplication service mode;
- the icons are SVG with the canvas the GNOME HIG gives them; `<svg`
  begins in the first 256 bytes, because gdk-pixbuf (through which GTK
  loads icons) recognises an SVG file only there; and the symbolic icon
  is filled in the one colour GTK recolours, with no strokes.
"""

import configparser
import re
import sys
import xml.etree.ElementTree as ET

SVG_NS = '{http://www.w3.org/2000/svg}'
SYMBOLIC_COLOUR = '#2e3436'

errors = []


def fail(message):
    errors.append(message)


def read_key_file(path, group):
    parser = configparser.ConfigParser(delimiters=('=',), interpolation=None,
                                       strict=True)
    parser.optionxform = str  # keys are case-sensitive
    with open(path, encoding='utf-8') as f:
        parser.read_file(f)
    if not parser.has_section(group):
        fail(f'{path}: no [{group}] group')
        return {}
    return parser[group]


def check_svg(path, size, symbolic):
    with open(path, 'rb') as f:
        data = f.read()
    if b'<svg' not in data[:256]:
        fail(f'{path}: <svg does not begin in the first 256 bytes, so '
             'gdk-pixbuf does not recognise the file: put comments inside '
             'the <svg> element')
    root = ET.fromstring(data)
    if root.tag != SVG_NS + 'svg':
        fail(f'{path}: the root element is not an SVG <svg>')
        return
    if root.get('viewBox', '').split() != ['0', '0', str(size), str(size)]:
        fail(f'{path}: viewBox is not "0 0 {size} {size}"')
    if not symbolic:
        return
    for element in root.iter():
        name = element.tag.replace(SVG_NS, '')
        if element.get('stroke') not in (None, 'none') or 'stroke' in element.get('style', ''):
            fail(f'{path}: <{name}> has a stroke; symbolic icons are fills only')
        fill = element.get('fill')
        if fill is not None and fill.lower() not in (SYMBOLIC_COLOUR, 'none'):
            fail(f'{path}: <{name}> is filled with {fill}, not {SYMBOLIC_COLOUR}')
        if name in ('path', 'circle', 'rect', 'ellipse', 'polygon') and fill is None:
            fail(f'{path}: <{name}> has no fill="{SYMBOLIC_COLOUR}"')
        if name in ('image', 'linearGradient', 'radialGradient', 'text'):
            fail(f'{path}: symbolic icons cannot use <{name}>')


def main(argv):
    if len(argv) != 8:
        print('\n'.join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    app_id, desktop, metainfo, service, gschema, icon, symbolic = argv[1:]

    # The desktop file.
    entry = read_key_file(desktop, 'Desktop Entry')
    if not desktop.endswith('/' + app_id + '.desktop'):
        fail(f'{desktop}: the file is not named {app_id}.desktop')
    binary = entry.get('Exec', '').split(' ')[0]
    if entry.get('Icon') != app_id:
        fail(f'{desktop}: Icon={entry.get("Icon")} is not {app_id}')

    # The metainfo.
    component = ET.parse(metainfo).getroot()
    if component.findtext('id') != app_id:
        fail(f'{metainfo}: <id> is not {app_id}')
    if component.findtext('launchable') != app_id + '.desktop':
        fail(f'{metainfo}: <launchable> is not {app_id}.desktop')
    provided = [b.text for b in component.iterfind('provides/binary')]
    if provided != [binary]:
        fail(f'{metainfo}: provides the binaries {provided}, '
             f'but {desktop} runs {binary!r}')

    # D-Bus activation.
    if entry.get('DBusActivatable') == 'true':
        bus = read_key_file(service, 'D-BUS Service')
        if bus.get('Name') != app_id:
            fail(f'{service}: Name={bus.get("Name")} is not {app_id}')
        exec_line = bus.get('Exec', '')
        if re.search(r'@[A-Za-z_]+@', exec_line):
            fail(f'{service}: Exec= has a variable that was not configured')
        if not re.fullmatch(r'/\S*/' + re.escape(binary) + r' --gapplication-service',
                            exec_line):
            fail(f'{service}: Exec={exec_line} is not '
                 f'/.../{binary} --gapplication-service')

    # The settings schema.
    schema = ET.parse(gschema).getroot().find('schema')
    if schema is None or schema.get('id') != app_id:
        fail(f'{gschema}: the schema id is not {app_id}')
    elif schema.get('path') != '/' + app_id.replace('.', '/') + '/':
        fail(f'{gschema}: the schema path is not the one of {app_id}')

    # The icons.
    if not icon.endswith('/scalable/apps/' + app_id + '.svg'):
        fail(f'{icon}: not scalable/apps/{app_id}.svg')
    if not symbolic.endswith('/symbolic/apps/' + app_id + '-symbolic.svg'):
        fail(f'{symbolic}: not symbolic/apps/{app_id}-symbolic.svg')
    check_svg(icon, 128, symbolic=False)
    check_svg(symbolic, 16, symbolic=True)

    for message in errors:
        print('FAIL: ' + message, file=sys.stderr)
    if not errors:
        print(f'The desktop integration files of {app_id} agree.')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
