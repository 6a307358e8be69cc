// Types of guide-keyboard.js for the tests (the browser loads the .js as it is).
export const TONES: [name: string, mark: string][];
export function addTone(text: string, tone: string): string;
export function mountKeyboard(
  box: HTMLElement,
  options: {
    text: () => string;
    onText: (text: string) => void;
    onHide: () => void;
    labels: Record<string, string>;
  },
): void;
