// Types of guide-keyboard.js for the tests (the browser loads the .js as it is).
export const TONES: [name: string, mark: string][];
export function addTone(text: string, tone: string): string;
