"""The Placement request Nova builds for a flavor + image: each input line is
{"flavor": {vcpus, memory_mb, root_gb, ephemeral_gb, swap, extra_specs}, "image": {<image properties>}}.

Calls nova.scheduler.utils.ResourceRequest.from_request_spec on an objects.RequestSpec, as the scheduler does
before its request filters (those add root_required / root_forbidden and are not compared), and returns the
request groups by suffix ("" is the unsuffixed group) and the group_policy.
"""
from nova import objects
from nova.scheduler import utils

from oracle_io import serve

objects.register_all()


def check(value):
    flavor = objects.Flavor(id=1, flavorid="f", name="f", **value["flavor"])
    image = objects.ImageMeta.from_dict({"id": "00000000-0000-0000-0000-000000000001", "name": "i", "properties": value["image"]})
    spec = objects.RequestSpec(flavor=flavor, image=image, is_bfv=False, requested_resources=[], request_level_params=objects.RequestLevelParams())
    request = utils.ResourceRequest.from_request_spec(spec)
    groups = {
        group.requester_id or "": {
            "resources": group.resources,
            "required": sorted(group.required_traits),
            "forbidden": sorted(group.forbidden_traits),
        }
        for group in request._rg_by_id.values()
    }
    return {"groups": groups, "group_policy": request.group_policy}


serve(check)
