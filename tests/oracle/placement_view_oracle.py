"""The PCI resource providers a compute reports to Placement: each input line is
{"hostname": str, "pfs": [<PF addresses that are SR-IOV PFs on this host>],
 "devices": [{address, vendor_id, product_id, dev_type, parent_addr}], "device_spec": [<[pci] device_spec values>]}.

As nova-compute does with [pci] report_in_placement: nova.pci.whitelist.Whitelist keeps the assignable devices
(the PCI tracker), nova.compute.pci_placement_translator.PlacementView.process_dev adds each with the tags of its
first matching spec. Returns the providers: name, resource class, traits, inventory total (devices on it).
The host's sysfs is emulated: nova.pci.utils.is_physical_function answers from "pfs", so that an exact PF
address selects the PF's VFs as it does on a host that has them (domain.md §4.1).
"""
from nova.compute import pci_placement_translator as translator
from nova.pci import utils
from nova.pci import whitelist

from oracle_io import serve

PFS = set()
utils.is_physical_function = lambda domain, bus, slot, function: f"{domain}:{bus}:{slot}.{function}".lower() in PFS


class Device:
    """The attributes of objects.PciDevice that the whitelist and the translator read."""

    def __init__(self, d):
        self.address = d["address"]
        self.vendor_id = d["vendor_id"]
        self.product_id = d["product_id"]
        self.dev_type = d["dev_type"]
        self.parent_addr = d.get("parent_addr")
        self.card_serial_number = None
        self.status = "available"
        self.instance_uuid = None


def check(value):
    PFS.clear()
    PFS.update(a.lower() for a in value["pfs"])
    specs = whitelist.Whitelist(value["device_spec"])
    view = translator.PlacementView(value["hostname"], [])
    for d in value["devices"]:
        if specs.device_assignable(dict(d)):
            dev = Device(d)
            view.process_dev(dev, specs.get_devspec(dev))
    return sorted(
        ({"name": rp.name, "resource_class": rp.resource_class, "traits": sorted(rp.traits), "total": len(rp.devs)}
         for rp in view.rps.values() if rp.devs),
        key=lambda p: p["name"])


serve(check)
