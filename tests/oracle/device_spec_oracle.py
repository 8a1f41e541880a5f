"""[pci] device_spec as nova-compute parses it: each input line is the list of device_spec values of one nova.conf.

Builds nova.pci.whitelist.Whitelist (JSON object or list, then devspec.PciDeviceSpec per object), as the PCI
manager does at start. Reads sysfs only for devname and exact addresses, as nova-compute would on this host.
"""
from nova.pci import whitelist

from oracle_io import serve


def check(specs):
    whitelist.Whitelist(specs)


serve(check)
