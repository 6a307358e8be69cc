// Types of guide-search.js for the tests (the browser loads the .js as it is).
export interface SearchField {
  id: string;
  name: string;
  procedures: { id: string; name: string; card?: { keywords: string[] } | null }[];
}
export interface SearchEntry {
  procedure: SearchField['procedures'][number];
  field: SearchField;
}
export function fold(text: string): string;
export function buildIndex(fields: SearchField[]): SearchEntry[];
export function search(index: SearchEntry[], query: string): SearchEntry[];
