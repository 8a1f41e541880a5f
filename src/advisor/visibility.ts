// Which images and flavors a caller sees, decided as Glance and Nova decide (Zed code, the lab's python3-glance 25
// and python3-nova 26; docs/security.md). "Visible" is what a GET by id returns; "listed" is what the default
// listing returns (GET /v2/images, GET /flavors/detail with no filters). The unscoped operator sees everything.
import type { Flavor, Image } from '../model/index.ts';
import type { Caller } from './policy.ts';

/**
 * glance/db/utils.py is_image_visible: admin; no owner; public or community; owned by the caller's project; or
 * shared with it, whatever the membership status (the status only decides listing).
 */
export function imageVisible(image: Image, caller: Caller): boolean {
  if (caller.project === null || caller.admin || image.owner === null) return true;
  if (image.visibility === 'public' || image.visibility === 'community' || image.owner === caller.project) return true;
  return image.visibility === 'shared' && image.members.some((m) => m.project === caller.project);
}

/**
 * glance/db/sqlalchemy/api.py image_get_all with the API's defaults (member_status=accepted, os_hidden=false, no
 * visibility filter): a regular user lists public images, the project's own and those shared with it and accepted;
 * admin lists every image; community images only when the project owns them, admin included.
 */
export function imageListed(image: Image, caller: Caller): boolean {
  if (caller.project === null) return true;
  if (image.hidden) return false;
  if (image.owner === caller.project) return true;
  if (image.visibility === 'community') return false;
  if (caller.admin || image.visibility === 'public') return true;
  return image.visibility === 'shared' && image.members.some((m) => m.project === caller.project && m.status === 'accepted');
}

/** nova/objects/flavor.py _flavor_get_query_from_db: admin sees every flavor; others public ones and those their project may use. */
export function flavorVisible(flavor: Flavor, caller: Caller): boolean {
  if (caller.project === null || caller.admin) return true;
  return flavor.isPublic || flavor.accessProjects.includes(caller.project);
}

/**
 * nova/api/openstack/compute/flavors.py _get_flavors with nova/objects/flavor.py _flavor_get_all_from_db: the
 * default listing (is_public=True) holds public flavors and those the caller's project has access to, for admin too.
 */
export function flavorListed(flavor: Flavor, caller: Caller): boolean {
  if (caller.project === null) return true;
  return flavor.isPublic || flavor.accessProjects.includes(caller.project);
}

/**
 * An image as the caller may read it: Glance shows an image's member list to its owner (and admin); a member sees
 * its own membership only (glance/db/sqlalchemy/api.py _image_member_find).
 */
export function imageView(image: Image, caller: Caller): Image {
  if (caller.project === null || caller.admin || image.owner === caller.project || image.members.length === 0) return image;
  return { ...image, members: image.members.filter((m) => m.project === caller.project) };
}

/** A flavor as the caller may read it: flavor access lists are admin-only in Nova (os-flavor-access policy). */
export function flavorView(flavor: Flavor, caller: Caller): Flavor {
  if (caller.project === null || caller.admin || flavor.accessProjects.length === 0) return flavor;
  return { ...flavor, accessProjects: flavor.accessProjects.filter((p) => p === caller.project) };
}
