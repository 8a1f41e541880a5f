"""Flavor extra specs as nova-api validates them (microversion >= 2.86): each input line is [name, value].

Calls nova.api.validation.extra_specs.validators.validate, which raises ValidationError to refuse.
"""
from nova.api.validation.extra_specs import validators

from oracle_io import serve


def check(pair):
    name, value = pair
    validators.validate(name, value)


serve(check)
