"""The libvirt device Nova writes for one port: each input line is
{"vnic_type", "backend", "virt_type", "image": {<image properties>}, "flavor": {vcpus, extra_specs},
 "conf": {rx_queue_size, tx_queue_size, max_queues, use_virtio_for_bridges}}.

Builds the nova.network.model.VIF Neutron's binding gives Nova for that vnic_type and backend (vif_type, vif_details,
binding profile; delegate_create=True as nova.network.neutron._build_vif_model always sets it), sets [libvirt] options,
and calls nova.virt.libvirt.vif.LibvirtGenericVIFDriver.get_config, then formats the config to XML as the driver does.
Returns what the XML says: the element, <interface type>, <model type>, <driver> name / queues / rx_queue_size /
tx_queue_size, <virtualport type>. An exception (UnsupportedHardware, ...) is Nova's refusal.

Host lookups the code makes are answered offline, as a compute with the device would: the VF's netdev name
(macvtap, pci_utils.get_ifname_by_pci_address) and the vDPA device path (Host.get_vdpa_device_path). The queue cap
without max_queues comes from this machine's kernel (os.uname), as on a compute; the test declares the same kernel.
"""
import os

from lxml import etree
import os_vif
import nova.conf
from nova import objects
from nova.network import model
from nova.pci import utils as pci_utils
from nova.virt.libvirt import designer, vif

from oracle_io import serve

CONF = nova.conf.CONF
CONF([], project="nova", default_config_files=[])
objects.register_all()
os_vif.objects.register_all()

PCI_SLOT = "0000:0a:00.2"
VF_NETDEV = "ens1f0v0"
# Offline answers to the host lookups (see the module docstring); both are sysfs / devlink reads on a real compute.
pci_utils.get_ifname_by_pci_address = lambda address, pf_interface=False: VF_NETDEV
designer.pci_utils = pci_utils


class Host:
    def get_vdpa_device_path(self, address):
        return "/dev/vhost-vdpa-0"


def binding(vnic_type, backend):
    """vif_type, vif_details and binding profile as the mechanism driver that binds this port sets them."""
    sriov = {"pci_slot": PCI_SLOT, "physical_network": "physnet1", "pci_vendor_info": "8086:154c"}
    if vnic_type == "normal":
        return {
            "linuxbridge": ("bridge", {"port_filter": True}, {}),
            "ovs": ("ovs", {"port_filter": True, "ovs_hybrid_plug": False, "datapath_type": "system"}, {}),
            "ovs-hybrid": ("ovs", {"port_filter": True, "ovs_hybrid_plug": True, "datapath_type": "system"}, {}),
            "ovs-dpdk": ("vhostuser", {"vhostuser_mode": "server", "vhostuser_socket": "/var/run/openvswitch/vhu0",
                                       "vhostuser_ovs_plug": True, "datapath_type": "netdev", "port_filter": False}, {}),
        }[backend]
    return {
        "direct": ("hw_veb", {"vlan": "100", "port_filter": False}, sriov),
        "macvtap": ("hw_veb", {"vlan": "100", "port_filter": False}, sriov),
        "direct-physical": ("hostdev_physical", {"port_filter": False}, sriov),
        "vdpa": ("ovs", {"port_filter": True, "datapath_type": "system"}, sriov),
        "remote-managed": ("ovs", {"port_filter": True, "datapath_type": "system"},
                           {**sriov, "card_serial_number": "MT0000X00000", "pf_mac_address": "00:53:00:00:00:01", "vf_num": 2}),
        "virtio-forwarder": ("agilio_ovs", {"vhostuser_mode": "client", "vhostuser_socket": "/var/run/virtiorelayd/vf0",
                                            "port_filter": False}, sriov),
        "accelerator-direct": ("hw_veb", {"vlan": "100", "port_filter": False}, sriov),
    }[vnic_type]


def check(value):
    vnic_type = value["vnic_type"]
    vif_type, details, profile = binding(vnic_type, value["backend"])
    conf = value["conf"]
    CONF.set_override("virt_type", value["virt_type"], group="libvirt")
    CONF.set_override("use_virtio_for_bridges", conf.get("use_virtio_for_bridges", True), group="libvirt")
    for key in ("rx_queue_size", "tx_queue_size", "max_queues"):
        CONF.set_override(key, conf.get(key), group="libvirt")
    bridge = "brq00000000-00" if value["backend"] == "linuxbridge" and vnic_type == "normal" else "br-int"
    network = model.Network(id="00000000-0000-0000-0000-000000000003", bridge=bridge, label="net", subnets=[], meta={"mtu": 1450, "physical_network": "physnet1"})
    port = model.VIF(id="11111111-2222-3333-4444-555555555555", address="fa:16:3e:00:00:01", network=network,
                     type=vif_type, details=details, profile=profile, vnic_type=vnic_type,
                     devname="tap11111111-22", ovs_interfaceid="11111111-2222-3333-4444-555555555555",
                     delegate_create=True)
    flavor = objects.Flavor(id=1, flavorid="f", name="f", memory_mb=1024, root_gb=1, ephemeral_gb=0, swap=0,
                            vcpus=value["flavor"]["vcpus"], extra_specs=value["flavor"]["extra_specs"])
    image = objects.ImageMeta.from_dict({"id": "00000000-0000-0000-0000-000000000001", "name": "i", "properties": value["image"]})
    instance = objects.Instance(uuid="00000000-0000-0000-0000-000000000002", display_name="i")
    config = vif.LibvirtGenericVIFDriver(Host()).get_config(instance, port, image, flavor, value["virt_type"])
    xml = etree.fromstring(config.to_xml())
    driver = xml.find("driver")
    attr = lambda element, name: None if element is None else element.get(name)  # noqa: E731
    number = lambda text: None if text is None else int(text)  # noqa: E731
    return {
        "element": xml.tag,
        "type": xml.get("type") if xml.tag == "interface" else None,
        "model": attr(xml.find("model"), "type"),
        "driver_name": attr(driver, "name"),
        "queues": number(attr(driver, "queues")),
        "rx_queue_size": number(attr(driver, "rx_queue_size")),
        "tx_queue_size": number(attr(driver, "tx_queue_size")),
        "virtualport": attr(xml.find("virtualport"), "type"),
        "kernel_major": int(os.uname().release.split(".")[0]),
    }


serve(check)
