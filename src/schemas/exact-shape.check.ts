// Checked by `tsc --noEmit` only (nothing runs): each @ts-expect-error fails the type check if the contract it
// guards stops refusing that drift between a response schema's output and its source type.
import type { Assert, Conforms } from './common.ts';

interface Source {
  id: string;
  hosts: { name: string; free?: Record<string, number> }[];
}

export type _Same = Assert<Conforms<Source, Source>>;

// @ts-expect-error a field the source adds at the top, which the serializer would drop
export type _AddedTop = Assert<Conforms<{ id: string; hosts: Source['hosts'] }, Source & { extra: number }>>;

// @ts-expect-error a field the source adds inside array members (capacity.hosts[].pciProviders was this)
export type _AddedNested = Assert<Conforms<{ id: string; hosts: { name: string; free?: Record<string, number> }[] }, { id: string; hosts: { name: string; free?: Record<string, number>; pciProviders: string[] }[] }>>;

// @ts-expect-error a field the source lacks (it would be missing from the response)
export type _Removed = Conforms<Source & { required: string }, Source>;
