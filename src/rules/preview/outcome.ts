// The preview's building blocks: a value with its reason, the failures and ignored settings collected while the
// preview walks Nova's steps, and the image/flavor reads that fail at the API when Nova cannot parse them.
import { osloBoolStrict } from '../../lib/oslo-bool.ts';
import { flavorEvidence, imageBool, imageEvidence } from '../vocabulary/nova.ts';
import type { RuleScope } from '../scope.ts';
import type { Evidence, PreviewFailure, PreviewIgnored, PreviewValue } from '../../model/index.ts';

export function value<T>(v: T, reason: string, source: string, evidence: Evidence[] = []): PreviewValue<T> {
  return { value: v, reason, source, evidence };
}

/**
 * Each error the preview raises: where Nova raises it (Zed 26 as installed, `/usr/lib/python3/dist-packages/nova`,
 * unless marked) and the HTTP status its API answers when it is raised during the request. The status is how
 * `nova/api/openstack/compute/servers.py` `create` maps it (INVALID_FLAVOR_IMAGE_EXCEPTIONS ⇒ 400), else
 * `nova/api/openstack/wsgi.py` `ResourceExceptionHandler` by class (`Forbidden` ⇒ 403, `Invalid` ⇒ its code, 400).
 * Errors raised later have no status: the server goes to ERROR with the error as its fault (domain.md §2.7).
 */
export const NOVA_ERRORS = {
  // ImageMeta.from_dict's ValueError, re-raised as InvalidRequest ("Invalid image metadata. Error: …"): 400.
  InvalidRequest: { raisedAt: 'nova.compute.api._get_image_meta_obj', httpStatus: 400 },
  FlavorImageConflict: { raisedAt: 'nova.virt.hardware.get_vif_multiqueue_constraint / get_packed_virtqueue_constraint (2024.1+)', httpStatus: 400 },
  MemoryPageSizeForbidden: { raisedAt: 'nova.virt.hardware._get_numa_pagesize_constraint', httpStatus: 400 },
  // ImagePCINUMAPolicyForbidden is a Forbidden, not in INVALID_FLAVOR_IMAGE_EXCEPTIONS: the handler answers 403.
  ImagePCINUMAPolicyForbidden: { raisedAt: 'nova.virt.hardware.get_pci_numa_policy_constraint', httpStatus: 403 },
  InvalidPCINUMAAffinity: { raisedAt: 'nova.virt.hardware.get_pci_numa_policy_constraint', httpStatus: 400 },
  PciRequestAliasNotDefined: { raisedAt: 'nova.pci.request._translate_alias_to_requests', httpStatus: 400 },
  PciInvalidAlias: { raisedAt: 'nova.pci.request._get_alias_from_config', httpStatus: 400 },
  // Flavor extra specs are validated when they are set (os-flavor-extra-specs, microversion 2.86+), not at server create.
  ValidationError: { raisedAt: 'nova.api.validation.extra_specs.validators.validate (POST /flavors/{id}/os-extra_specs)', httpStatus: 400 },
  // No allocation candidates (or no host left after the filters, `_ensure_sufficient_hosts`); the conductor catches
  // it and sets the server to ERROR (fault "No valid host was found").
  NoValidHost: { raisedAt: 'nova.scheduler.manager.SchedulerManager.select_destinations', httpStatus: null },
  // Compute build failures reschedule to another candidate; when none is left the fault is MaxRetriesExceeded.
  UnsupportedHardware: { raisedAt: 'nova.virt.libvirt.vif.LibvirtGenericVIFDriver.get_base_config / nova.virt.libvirt.blockinfo.get_disk_bus_for_device_type', httpStatus: null },
  TooManyDiskDevices: { raisedAt: 'nova.virt.libvirt.blockinfo.find_disk_dev_for_disk_bus', httpStatus: null },
  libvirtError: { raisedAt: 'nova.virt.libvirt.guest.Guest.launch (libvirt refuses the domain)', httpStatus: null },
  // Neutron sets binding:vif_type binding_failed when no mechanism driver binds the port on the compute's host.
  PortBindingFailed: { raisedAt: 'nova.network.neutron._ensure_no_port_binding_failure (allocate_for_instance on the compute)', httpStatus: null },
} as const satisfies Record<string, { raisedAt: string; httpStatus: number | null }>;

export type NovaError = keyof typeof NOVA_ERRORS;

/** Collects failures and ignored settings while the preview walks Nova's steps. */
export class Outcome {
  readonly failures: PreviewFailure[] = [];
  readonly ignored: PreviewIgnored[] = [];

  /** Where `error` is raised and the HTTP status come from NOVA_ERRORS. */
  fail(stage: PreviewFailure['stage'], error: NovaError, field: string | null, message: string, source: string, evidence: Evidence[]): void {
    const nova = NOVA_ERRORS[error];
    // Only failures during the request (api, the flavor's extra-spec validation) answer with an HTTP status.
    const httpStatus = stage === 'api' || stage === 'flavor-validation' ? nova.httpStatus : null;
    this.failures.push({ stage, error, raisedAt: nova.raisedAt, httpStatus, field, message, source, evidence });
  }

  ignore(field: string, v: string, reason: string, source: string): void {
    this.ignored.push({ field, value: v, reason, source });
  }
}

/** An image enum property Nova cannot parse fails server create at the API (§1.1, §2.7); null when unset or invalid. */
export function enumProperty(scope: RuleScope, out: Outcome, key: string, normalise: (raw: string) => string | null, allowed: readonly string[]): string | null {
  const raw = scope.properties[key];
  if (raw === undefined) return null;
  const normalised = normalise(raw);
  if (normalised === null) {
    out.fail('api', 'InvalidRequest', key, `${key}=${raw} is not one of ${allowed.join(', ')}: ImageMeta.from_dict raises, the API answers 400 "Invalid image metadata".`,
      'domain.md §1.1, §2.7', [imageEvidence(key, raw)]);
  }
  return normalised;
}

/** Flavor / image boolean pairs that must agree, else FlavorImageConflict at the API (§1.3, §2.7). */
export function boolPair(scope: RuleScope, out: Outcome, spec: string, property: string): boolean {
  const flavorValue = osloBoolStrict(scope.flavor?.extraSpecs[spec]);
  const imageValue = imageBool(scope.properties, property);
  if (flavorValue !== null && imageValue !== null && flavorValue !== imageValue) {
    out.fail('api', 'FlavorImageConflict', property, `Flavor ${spec}=${scope.flavor?.extraSpecs[spec]} and image ${property}=${scope.properties[property]} disagree.`,
      'domain.md §1.3, §2.7', [flavorEvidence(spec, scope.flavor?.extraSpecs[spec] ?? null), imageEvidence(property, scope.properties[property] ?? null)]);
  }
  return flavorValue ?? imageValue ?? false;
}
