/** `switchboard gateway`: placeholder until the gateway server lands (issue: channel gateways). */
export async function gatewayCommand(_argv: string[]): Promise<void> {
  throw new Error('the gateway command is not built yet');
}
