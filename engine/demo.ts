/** `switchboard demo`: placeholder until the demo scenario lands. */
export async function demoCommand(_argv: string[]): Promise<void> {
  throw new Error('the demo is not built yet');
}
