"""[pci] alias as Nova parses it: each input line is the list of alias values of one nova.conf.

Sets CONF.pci.alias and calls nova.pci.request._get_alias_from_config (the jsonschema _ALIAS_SCHEMA plus
the checks between entries sharing a name), exactly as nova-api does when a flavor asks an alias.
"""
import nova.conf
from nova.pci import request

from oracle_io import serve

CONF = nova.conf.CONF
CONF([], project="nova", default_config_files=[])


def check(aliases):
    CONF.set_override("alias", aliases, group="pci")
    request._get_alias_from_config()


serve(check)
