// POST /v1/previews: an image + flavor + vNIC type → what Nova and libvirt will produce (NovaPreview, defined
// with the recommendation that embeds it), the allocation_candidates query, failures and ignored settings.
import { z } from 'zod';
import { CloudName, Name, SnapshotRef } from './common.ts';
import { FlavorRef } from './flavor.ts';
import { ImageRef } from './image.ts';
import { NovaPreview, VNIC_TYPES } from './recommendation.ts';

export const PreviewRequest = z
  .strictObject({
    image: ImageRef,
    flavor: FlavorRef,
    vnic_type: z.enum(VNIC_TYPES).default('normal'),
    disks: z.number().int().min(1).max(256).optional().describe('Disk devices on the disk bus at boot (local disks + volumes).'),
    alias_resource_classes: z
      .record(Name, z.string().regex(/^[A-Z0-9_]{1,255}$/, 'a Placement resource class'))
      .optional()
      .describe('[pci] alias name → resource class, for flavor aliases the advisor cannot map itself.'),
    cloud: CloudName,
  })
  .meta({ id: 'PreviewRequest' });
export type PreviewRequest = z.output<typeof PreviewRequest>;

export const PreviewResult = NovaPreview.extend({ snapshot: SnapshotRef }).meta({ id: 'PreviewResult' });
export type PreviewResult = z.output<typeof PreviewResult>;
