// The image resource: the read view (rules' Image) and how a request names an image.
import { z } from 'zod';
import type { Image as RulesImage } from '../model/index.ts';
import { Name, PageQuery, page, type Assert, type Conforms } from './common.ts';

/** Glance's own bounds: property names up to 255 characters, 128 properties per image (image_property_quota). */
export const ImageProperties = z
  .record(Name, z.string().max(65_535))
  .refine((p) => Object.keys(p).length <= 128, 'at most 128 properties')
  .meta({ id: 'ImageProperties', description: 'Glance image properties (hw_*, os_*, …) as strings.' });

export const Image = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    status: z.string(),
    visibility: z.string().nullable(),
    diskFormat: z.string().nullable(),
    minDiskGb: z.number().int(),
    minRamMb: z.number().int(),
    owner: z.string().nullable().describe('Glance `owner`: the id of the project that owns the image.'),
    hidden: z.boolean().describe('Glance `os_hidden`: left out of Glance\'s default image listing, still usable by id.'),
    members: z
      .array(
        z.object({
          project: z.string().describe('Glance `member_id`: a project the image is shared with.'),
          status: z.enum(['pending', 'accepted', 'rejected']).describe('Whether that project accepted the share.'),
        }),
      )
      .describe('Glance image members (GET /v2/images/{image_id}/members); read for `shared` images only, else empty.'),
    properties: z.record(z.string(), z.string()),
  })
  .meta({ id: 'Image' });

export const ImagePage = page(Image, 'ImagePage');

export type _ImageConforms = Assert<Conforms<z.output<typeof Image>, RulesImage>>;

/** An image from the snapshot by id or name, or a proposed one given by its properties (and optional name). */
export const ImageRef = z
  .strictObject({
    id: Name.optional(),
    name: Name.optional(),
    properties: ImageProperties.optional(),
  })
  .superRefine((ref, ctx) => {
    const ok = ref.properties !== undefined ? ref.id === undefined : (ref.id === undefined) !== (ref.name === undefined);
    if (!ok) ctx.addIssue({ code: 'custom', message: 'give exactly one of id, name or properties (a name may accompany properties)' });
  })
  .meta({ id: 'ImageRef' });
export type ImageRef = z.output<typeof ImageRef>;

export const ImageListQuery = PageQuery.extend({
  name: z.string().max(255).optional().describe('Substring of the image name, case-insensitive.'),
  os_distro: z.string().max(255).optional(),
  status: z.string().max(64).optional(),
});
export type ImageListQuery = z.output<typeof ImageListQuery>;
