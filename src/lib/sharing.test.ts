// One value per distinct text, as a snapshot load reads repeating rows: equal texts give the same value, which equals
// what JSON.parse gives (string identity cannot be seen from JS: the heap figures in src/store/README.md show it).
import { describe, expect, it } from 'vitest';
import { AS_PARSED, Sharing } from './sharing.ts';

describe('Sharing', () => {
  it('gives every equal text of a kind one value, equal to the parsed text, keys in their order', () => {
    const sharing = new Sharing();
    const text = '{"hw_disk_bus":"scsi","hw_scsi_model":"virtio-scsi","os_type":"linux"}';
    const first = sharing.json(text, AS_PARSED);
    expect(first).toStrictEqual(JSON.parse(text));
    expect(Object.keys(first as object)).toEqual(['hw_disk_bus', 'hw_scsi_model', 'os_type']);
    expect(sharing.json(`${text} `.trim(), AS_PARSED)).toBe(first);
    expect(sharing.json('[]', AS_PARSED)).toBe(sharing.json('[]', AS_PARSED));
  });

  it('keeps kinds apart: one text may make different values', () => {
    const sharing = new Sharing();
    const record = (parsed: unknown) => ({ total: (parsed as number[])[0], reserved: (parsed as number[])[1] });
    expect(sharing.json('[16,1]', record)).toStrictEqual({ total: 16, reserved: 1 });
    expect(sharing.json('[16,1]', AS_PARSED)).toStrictEqual([16, 1]);
    expect(sharing.json('[16,1]', record)).toBe(sharing.json('[16,1]', record));
  });

  it('gives null for SQL NULL', () => {
    const sharing = new Sharing();
    expect(sharing.string(null)).toBeNull();
    expect(sharing.json(null, AS_PARSED)).toBeNull();
  });
});
