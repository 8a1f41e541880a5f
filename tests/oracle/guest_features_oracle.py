"""The guest's <features> and <clock> as Nova writes them: each input line is
{"virt_type", "properties": {<image properties>}, "extra_specs": {<flavor extra specs>}}.

Checks what the API checks first (ImageMeta.from_dict; hardware.get_pmu_constraint, as compute/api.py does), then
calls LibvirtDriver._set_features and _set_clock (on a driver with no host: neither reads one) with the instance's
os_type, which the API copies verbatim from the image property. Result: the <features> children, the <hyperv>
children and the <clock> offset and timers, each as "tag attr=value …" (attributes sorted; `state=on` left out of
the <hyperv> children, which all carry it).
"""
from oslo_config import cfg

from nova import config  # noqa: F401 - registers the options
from nova import objects
from nova.virt import hardware
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver as libvirt_driver

from oracle_io import serve

objects.register_all()
CONF = cfg.CONF
CONF([], project="nova", default_config_files=[])


def _render(element, skip=()):
    attrs = sorted(f"{k}={v}" for k, v in element.attrib.items() if (k, v) not in skip)
    children = [_render(child) for child in element]
    return " ".join([element.tag, *attrs, *children])


def check(value):
    CONF.set_override("virt_type", value["virt_type"], group="libvirt")
    props = value["properties"]
    image_meta = objects.ImageMeta.from_dict({"id": "00000000-0000-0000-0000-000000000001", "name": "i", "properties": props})
    flavor = objects.Flavor(name="f", extra_specs=value["extra_specs"], vcpus=1, memory_mb=512, root_gb=1, ephemeral_gb=0, swap=0)
    hardware.get_pmu_constraint(flavor, image_meta)
    os_type = props.get("os_type")
    guest = vconfig.LibvirtConfigGuest()
    drv = object.__new__(libvirt_driver.LibvirtDriver)
    drv._set_features(guest, os_type, image_meta, flavor)
    drv._set_clock(guest, os_type, image_meta)
    features, hyperv = [], []
    for feature in guest.features:
        dom = feature.format_dom()
        if dom.tag == "hyperv":
            features.append("hyperv")
            hyperv = [_render(child, skip=(("state", "on"),)) for child in dom]
        else:
            features.append(_render(dom))
    timers = [_render(t.format_dom()).replace("timer name=", "", 1) for t in guest.clock.timers]
    return {"features": features, "hyperv": hyperv, "offset": guest.clock.offset, "timers": timers}


serve(check)
