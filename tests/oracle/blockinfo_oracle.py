"""The guest's disks as Nova builds them at spawn: each input line is
{"virt_type", "machine_types": ["x86_64=q35"…], "image": {"disk_format", "properties"}, "ephemeral_gb", "swap_mb",
 "config_drive", "boot_from_volume", "volumes"}.

Builds the block device mappings server create makes (the image's, or a boot volume with boot_index 0; a blank
ephemeral for ephemeral_gb and a swap for swap_mb as compute/api.py _get_flavor_defined_bdms; `volumes` further
volumes), all without device names as the compute's default_device_names_for_instance leaves them, and calls
nova.virt.libvirt.blockinfo.get_disk_info (bus, dev, type, boot_index of each) and then
LibvirtDriver._get_guest_storage_config on a driver with no host (image backend and volume connection stubbed) for
the SCSI addresses it writes and the SCSI controller. Result: the disks in the order Nova writes them, and the
controller.
"""
from oslo_config import cfg

from nova import config  # noqa: F401 - registers the options
from nova import objects
from nova import utils
from nova.virt.libvirt import blockinfo
from nova.virt.libvirt import driver as libvirt_driver

from oracle_io import serve

objects.register_all()
CONF = cfg.CONF
CONF([], project="nova", default_config_files=[])


class _Bdm(dict):
    """A driver block device as a dict, as blockinfo reads it; save() is what the driver calls after connecting."""

    def save(self):
        pass


class _Conf:
    def __init__(self, info, unit):
        self.target_dev = info["dev"]
        self.target_bus = info["bus"]
        self.unit = unit


class _Disk:
    def __init__(self, info):
        self.info = info

    def libvirt_info(self, cache_mode, extra_specs, disk_unit=None, boot_order=None):
        return _Conf(self.info, disk_unit)


class _Backend:
    def by_name(self, instance, name, image_type=None, disk_info_mapping=None):
        return _Disk(disk_info_mapping)


class _Driver(libvirt_driver.LibvirtDriver):
    disk_cachemode = "none"


def _driver():
    # No libvirt connection: only the methods _get_guest_storage_config calls are given what they need.
    drv = object.__new__(_Driver)
    drv.image_backend = _Backend()
    drv._connect_volume = lambda context, connection_info, instance: None
    drv._get_volume_config = lambda instance, connection_info, info: _Conf(info, info.get("unit"))
    drv._set_cache_mode = lambda conf: None
    return drv


def check(value):
    CONF.set_override("virt_type", value["virt_type"], group="libvirt")
    CONF.set_override("hw_machine_type", value.get("machine_types") or None, group="libvirt")
    meta = {"id": "00000000-0000-0000-0000-000000000001", "name": "i", **value["image"]}
    image_meta = objects.ImageMeta.from_dict(meta)
    eph, swap, bfv = value["ephemeral_gb"], value["swap_mb"], value["boot_from_volume"]
    flavor = objects.Flavor(name="f", swap=swap, ephemeral_gb=eph, root_gb=1, memory_mb=512, vcpus=1, extra_specs={})
    instance = objects.Instance(
        uuid="00000000-0000-0000-0000-000000000002", ephemeral_gb=eph, flavor=flavor, config_drive="True" if value["config_drive"] else "",
        launched_at=None, system_metadata=utils.get_system_metadata_from_image(meta), root_device_name=None,
        image_ref="" if bfv else meta["id"])
    volume = lambda boot_index: _Bdm(mount_device=None, boot_index=boot_index, connection_info={}, disk_bus=None, device_type=None, delete_on_termination=False)  # noqa: E731
    bdi = {
        "root_device_name": None,
        "image": [] if bfv else [_Bdm(device_name=None, device_type="disk", disk_bus=None, boot_index=0, size=1, guest_format=None)],
        "ephemerals": [_Bdm(device_name=None, device_type="disk", disk_bus=None, size=eph, guest_format=None, boot_index=-1)] if eph else [],
        "swap": _Bdm(device_name=None, swap_size=swap, disk_bus=None) if swap else None,
        "block_device_mapping": ([volume(0)] if bfv else []) + [volume(None) for _ in range(value["volumes"])],
    }
    disk_info = blockinfo.get_disk_info(value["virt_type"], instance, image_meta, bdi)
    mapping = disk_info["mapping"]
    devices = _driver()._get_guest_storage_config(None, instance, image_meta, disk_info, False, bdi, flavor, None)
    disks = []
    controller = None
    for dev in devices:
        if isinstance(dev, _Conf):
            info = next(i for k, i in mapping.items() if k not in ("root", "unit") and i["dev"] == dev.target_dev)
            disks.append({"bus": info["bus"], "dev": info["dev"], "type": info["type"], "boot_index": info.get("boot_index"),
                          "unit": dev.unit if info["bus"] == "scsi" else None})
        else:
            controller = {"model": dev.model, "index": dev.index}
    return {"disks": disks, "controller": controller}


serve(check)
