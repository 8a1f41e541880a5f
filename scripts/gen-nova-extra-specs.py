#!/usr/bin/python3
"""Writes src/rules/vocabulary/nova-extra-specs.json: the flavor extra spec validators of the installed Nova.

Run with the system Python that imports nova (the lab installs Nova 26, Zed):

    /usr/bin/python3 scripts/gen-nova-extra-specs.py

Reads nova.api.validation.extra_specs.validators.VALIDATORS (in registration order: `validate` tries them in
that order) and NAMESPACES, converts the name regexes to JavaScript syntax (`(?P<x>` -> `(?<x>`), and merges runs
of validators that differ only by a literal last segment (the standard traits and resource classes) into one
entry with `literals`. Same Nova, same bytes.
"""
import json
import os
import re
import sys

from nova import version
from nova.api.validation.extra_specs import validators

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'rules', 'vocabulary', 'nova-extra-specs.json')
TYPES = {int: 'int', str: 'str', bool: 'bool'}
LITERAL = re.compile(r'^(?P<prefix>.*):(?P<literal>[A-Z][A-Z0-9_]*)$')


def js(regex):
    return regex.replace('(?P<', '(?<')


def value_of(v):
    value = {'type': TYPES[v.value['type']]}
    for key in ('enum', 'pattern', 'min', 'max'):
        if key in v.value:
            value[key] = list(v.value[key]) if key == 'enum' else v.value[key]
    if v.deprecated:
        value['deprecated'] = True
    return value


def entries():
    out = []
    for v in validators.VALIDATORS.values():
        value = value_of(v)
        m = LITERAL.match(v.name)
        prefix_regex = v.name_regex.rsplit(':', 1)[0] if m else None
        if m and out and out[-1].get('literals') is not None and out[-1]['prefix'] == (m['prefix'], prefix_regex) \
                and out[-1]['value'] == value:
            out[-1]['literals'].append(m['literal'])
            continue
        if m:
            out.append({'prefix': (m['prefix'], prefix_regex), 'literals': [m['literal']], 'value': value})
        else:
            out.append({'name': v.name, 'nameRegex': js(v.name_regex), 'value': value})
    result = []
    for e in out:
        if 'prefix' in e and len(e['literals']) > 1:
            name, regex = e['prefix']
            result.append({'name': f'{name}:{{literal}}', 'nameRegex': js(f'{regex}:(?P<literal>[A-Z0-9_]+)'),
                           'literals': sorted(e['literals']), 'value': e['value']})
        elif 'prefix' in e:
            name, regex = e['prefix']
            result.append({'name': f"{name}:{e['literals'][0]}", 'nameRegex': js(f"{regex}:{e['literals'][0]}"), 'value': e['value']})
        else:
            result.append(e)
    return result


def main():
    data = {
        'source': 'nova.api.validation.extra_specs.validators (VALIDATORS in registration order, NAMESPACES) of the '
                  'installed Nova, written by scripts/gen-nova-extra-specs.py',
        'novaVersion': version.version_string(),
        'release': 'zed',
        'namespaces': sorted(js(n) for n in validators.NAMESPACES),
        'validators': entries(),
    }
    if not data['novaVersion'].startswith('26.'):
        sys.exit(f"Nova {data['novaVersion']} is not 26 (Zed): set 'release' in this script first")
    with open(OUT, 'w') as f:
        json.dump(data, f, indent=2)
        f.write('\n')
    print(f"{OUT}: Nova {data['novaVersion']}, {len(data['validators'])} entries")


if __name__ == '__main__':
    main()
