// POST /v1/previews: an image + flavor + vNIC type → what Nova and libvirt will produce (NovaPreview, defined
// with the recommendation that embeds it), the allocation_candidates query, failures and ignored settings.
import { z } from 'zod';
import { CloudName, Name, SnapshotRef } from './common.ts';
import { FlavorRef } from './flavor.ts';
import { ImageRef } from './image.ts';
import { NovaPreview, VNIC_TYPES, VnicBackendField } from './recommendation.ts';

export const PreviewRequest = z
  .strictObject({
    image: ImageRef,
    flavor: FlavorRef,
    vnic_type: z.enum(VNIC_TYPES).default('normal'),
    vnic_backend: VnicBackendField,
    disks: z.number().int().min(1).max(256).optional().describe('Disk devices on the disk bus at boot (local disks + volumes).'),
    config_drive: z.boolean().optional().describe('Server create with config_drive: true (the preview lists the config drive).'),
    boot_from_volume: z.boolean().optional().describe('The root disk is a volume (the preview\'s disk mapping and SCSI units).'),
    alias_resource_classes: z
      .record(Name, z.string().regex(/^[A-Z0-9_]{1,255}$/, 'a Placement resource class'))
      .optional()
      .describe('[pci] alias name → resource class, for flavor aliases the advisor cannot map itself.'),
    pci_alias: z
      .array(z.string().min(1).max(16_384))
      .max(256)
      .optional()
      .describe("nova-api's [pci] alias values (nova.conf JSON strings): the flavor's PCI requests are read from them; without, inferred from Placement."),
    cloud: CloudName,
  })
  .meta({ id: 'PreviewRequest' });
export type PreviewRequest = z.output<typeof PreviewRequest>;

export const PreviewResult = NovaPreview.extend({ snapshot: SnapshotRef }).meta({ id: 'PreviewResult' });
export type PreviewResult = z.output<typeof PreviewResult>;
