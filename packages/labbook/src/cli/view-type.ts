import { invalidParameter, type ViewType } from '@labbook/core';

/** `active|deleted|all` as a ViewType. */
export function viewTypeOption(view: string): ViewType {
  const map: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };
  const v = map[view.toLowerCase()];
  if (!v) throw invalidParameter(`--view must be one of active, deleted, all (got '${view}')`, { field: 'view' });
  return v;
}
