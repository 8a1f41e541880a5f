// Which images and flavors each caller sees, as Glance 25 (Zed) and Nova 26 decide: glance/db/utils.py
// is_image_visible (by id), glance/db/sqlalchemy/api.py image_get_all with the v2 API's defaults (listing:
// member_status=accepted, os_hidden=false), nova/objects/flavor.py _flavor_get_query_from_db (by id) and
// _flavor_get_all_from_db with is_public=True (listing). The lab test (tests/acceptance/scoping.test.ts) checks
// the same against the running services.
import { describe, expect, it } from 'vitest';
import type { Flavor, Image, ImageMember } from '../model/index.ts';
import { flavor as makeFlavor, image as makeImage } from '../rules/test-fixtures.ts';
import { UNSCOPED, type Caller } from './policy.ts';
import { flavorListed, flavorView, flavorVisible, imageListed, imageView, imageVisible } from './visibility.ts';

const member = (project: string): Caller => ({ project, admin: false, hostDetail: false });
const adminOf = (project: string): Caller => ({ project, admin: true, hostDetail: true });

function image(visibility: string, owner: string | null, members: ImageMember[] = [], hidden = false): Image {
  return { ...makeImage({}), visibility, owner, members, hidden };
}

const IMAGES: Record<string, Image> = {
  public: image('public', 'A'),
  privateOfA: image('private', 'A'),
  sharedOfA: image('shared', 'A', [
    { project: 'B', status: 'accepted' },
    { project: 'C', status: 'pending' },
    { project: 'D', status: 'rejected' },
  ]),
  communityOfA: image('community', 'A'),
  hiddenPublic: image('public', 'A', [], true),
  hiddenOfA: image('private', 'A', [], true),
  privateNoOwner: image('private', null),
};

// [image, caller, visible by id, listed by default]
const IMAGE_CASES: [string, string, Caller, boolean, boolean][] = [
  ['public', 'member of another project', member('B'), true, true],
  ['privateOfA', 'member of the owner', member('A'), true, true],
  ['privateOfA', 'member of another project', member('B'), false, false],
  ['privateOfA', 'admin of another project', adminOf('X'), true, true],
  ['sharedOfA', 'the owner', member('A'), true, true],
  ['sharedOfA', 'a member that accepted', member('B'), true, true],
  ['sharedOfA', 'a member still pending', member('C'), true, false],
  ['sharedOfA', 'a member that rejected', member('D'), true, false],
  ['sharedOfA', 'a project it is not shared with', member('E'), false, false],
  ['sharedOfA', 'admin of another project', adminOf('X'), true, true],
  ['communityOfA', 'the owner', member('A'), true, true],
  ['communityOfA', 'another project: shown by id, never listed', member('B'), true, false],
  ['communityOfA', 'admin of another project: not listed either', adminOf('X'), true, false],
  ['hiddenPublic', 'another project: os_hidden leaves the default listing', member('B'), true, false],
  ['hiddenOfA', 'the owner: hidden from its listing too', member('A'), true, false],
  ['privateNoOwner', 'anyone by id (no owner), listed to nobody but admin', member('B'), true, false],
  ['privateNoOwner', 'admin', adminOf('X'), true, true],
  ['hiddenOfA', 'the unscoped operator sees and lists everything', UNSCOPED, true, true],
  ['communityOfA', 'the unscoped operator', UNSCOPED, true, true],
];

describe('images as Glance shows them (glance/db/utils.py, glance/db/sqlalchemy/api.py)', () => {
  it.each(IMAGE_CASES)('%s to %s', (name, _who, caller, visible, listed) => {
    expect(imageVisible(IMAGES[name]!, caller)).toBe(visible);
    expect(imageListed(IMAGES[name]!, caller)).toBe(listed);
  });

  it('shows a member its own membership only; the owner and admin see them all', () => {
    expect(imageView(IMAGES['sharedOfA']!, member('B')).members).toEqual([{ project: 'B', status: 'accepted' }]);
    expect(imageView(IMAGES['sharedOfA']!, member('A')).members).toHaveLength(3);
    expect(imageView(IMAGES['sharedOfA']!, adminOf('X')).members).toHaveLength(3);
  });
});

const FLAVORS: Record<string, Flavor> = {
  public: makeFlavor('public', 1, 512, 1),
  privateForA: makeFlavor('private', 1, 512, 1, {}, { isPublic: false, accessProjects: ['A', 'B'] }),
};

// [flavor, caller, visible by id, listed by default]
const FLAVOR_CASES: [string, string, Caller, boolean, boolean][] = [
  ['public', 'anyone', member('C'), true, true],
  ['privateForA', 'a project with access', member('A'), true, true],
  ['privateForA', 'a project without access', member('C'), false, false],
  ['privateForA', 'admin of a project without access: by id yes, default listing no', adminOf('X'), true, false],
  ['privateForA', 'admin of a project with access', adminOf('A'), true, true],
  ['privateForA', 'the unscoped operator', UNSCOPED, true, true],
];

describe('flavors as Nova shows them (nova/objects/flavor.py)', () => {
  it.each(FLAVOR_CASES)('%s to %s', (name, _who, caller, visible, listed) => {
    expect(flavorVisible(FLAVORS[name]!, caller)).toBe(visible);
    expect(flavorListed(FLAVORS[name]!, caller)).toBe(listed);
  });

  it('shows a project only its own entry of the access list (os-flavor-access is admin-only)', () => {
    expect(flavorView(FLAVORS['privateForA']!, member('A')).accessProjects).toEqual(['A']);
    expect(flavorView(FLAVORS['privateForA']!, adminOf('X')).accessProjects).toEqual(['A', 'B']);
  });
});
