"""The PCI requests nova-api builds for a server create: each input line is
{"aliases": [<[pci] alias values>], "extra_specs": {<flavor extra specs>}, "image": {<image properties>}}.

As NOVA nova/compute/api.py API._validate_and_build_base_options does: the image properties through
_get_image_meta_obj (InvalidRequest), the PCI NUMA policy from nova.virt.hardware.get_pci_numa_policy_constraint,
then nova.pci.request.get_pci_requests_from_flavor with CONF.pci.alias set in-process. Returns each request's
alias_name, count, spec, numa_policy and requester_id (request_id is a fresh uuid, left out).
"""
import nova.conf
from nova import objects
from nova.compute import api as compute_api
from nova.pci import request
from nova.virt import hardware

from oracle_io import serve

CONF = nova.conf.CONF
CONF([], project="nova", default_config_files=[])
objects.register_all()


def check(value):
    CONF.set_override("alias", value["aliases"], group="pci")
    flavor = objects.Flavor(id=1, flavorid="f", name="f", vcpus=2, memory_mb=2048, root_gb=10, ephemeral_gb=0, swap=0,
                            extra_specs=value["extra_specs"])
    image = compute_api._get_image_meta_obj(
        {"id": "00000000-0000-0000-0000-000000000001", "name": "i", "properties": value["image"]})
    policy = hardware.get_pci_numa_policy_constraint(flavor, image)
    requests = request.get_pci_requests_from_flavor(flavor, affinity_policy=policy)
    return [
        {"alias_name": r.alias_name, "count": r.count, "spec": r.spec, "numa_policy": r.numa_policy,
         "requester_id": r.requester_id}
        for r in requests.requests
    ]


serve(check)
