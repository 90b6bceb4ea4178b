/** What counts as a path of this gateway, wherever a path from outside is taken (the shell's `u`, a remote `nav`). */

/** A root-relative path of this gateway (never `//host` or `/\host`, which a browser reads as another host). */
export function isGatewayPath(p: string): boolean {
  return p.startsWith('/') && !p.startsWith('//') && !p.startsWith('/\\') && !/[\u0000-\u001f]/.test(p) && p.length <= 8192;
}
