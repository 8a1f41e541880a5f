// The data model every layer shares (design.md "Layers"): the snapshot of a cloud, what callers ask, what the
// rules answer, declared facts, guest knowledge and the history of syncs. Types only; imports nothing outside.
export type * from './snapshot.ts';
export type * from './requests.ts';
export type * from './answers.ts';
export type * from './preview.ts';
export type * from './pci-config.ts';
export type * from './facts.ts';
export type * from './knowledge.ts';
export type * from './history.ts';
export type * from './release.ts';
