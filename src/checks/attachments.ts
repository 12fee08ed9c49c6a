/**
 * Attachment types Gmail refuses for security reasons
 * (https://support.google.com/mail/answer/6590). Names inside archives are not inspected.
 */

/** File extensions Gmail blocks, lower case, without the dot. */
export const BLOCKED_EXTENSIONS: ReadonlySet<string> = new Set([
  'ade', 'adp', 'apk', 'appx', 'appxbundle', 'bat', 'cab', 'chm', 'cmd', 'com', 'cpl', 'diagcab',
  'diagcfg', 'diagpack', 'dll', 'dmg', 'ex', 'ex_', 'exe', 'hta', 'img', 'ins', 'iso', 'isp', 'jar',
  'jnlp', 'js', 'jse', 'lib', 'lnk', 'mde', 'msc', 'msi', 'msix', 'msixbundle', 'msp', 'mst', 'nsh',
  'pif', 'ps1', 'scr', 'sct', 'shb', 'sys', 'vb', 'vbe', 'vbs', 'vhd', 'vxd', 'wsc', 'wsf', 'wsh', 'xll',
]);

/**
 * MIME types that stand for those file types, for parts that carry no filename (mailparser
 * also maps `application/octet-stream` plus a filename to one of these).
 */
export const BLOCKED_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/x-msdownload',
  'application/x-msdos-program',
  'application/x-ms-installer',
  'application/x-msi',
  'application/x-ms-shortcut',
  'application/x-bat',
  'application/hta',
  'application/java-archive',
  'application/x-java-archive',
  'application/x-java-jnlp-file',
  'application/vnd.android.package-archive',
  'application/vnd.ms-cab-compressed',
  'application/vnd.ms-htmlhelp',
  'application/x-apple-diskimage',
  'application/x-iso9660-image',
  'application/x-javascript',
  'application/javascript',
  'text/javascript',
  'application/x-vbscript',
  'text/vbscript',
]);

/**
 * The extension Windows would act on: trailing dots and spaces are dropped first, as Windows
 * does, so `invoice.exe.` is still an .exe. (A loop, not /[. ]+$/, which backtracks
 * quadratically on long runs of dots.)
 */
export function extensionOf(filename: string): string {
  let end = filename.length;
  while (end > 0) {
    const c = filename.charCodeAt(end - 1);
    if (c !== 0x2e && c !== 0x20 && c !== 0x09) break;
    end--;
  }
  const dot = filename.lastIndexOf('.', end - 1);
  return dot < 0 ? '' : filename.slice(dot + 1, end).toLowerCase();
}

/** Whether Gmail blocks a part with this filename or this content type. */
export function isBlocked(filename: string | undefined, contentType: string): boolean {
  if (filename && BLOCKED_EXTENSIONS.has(extensionOf(filename))) return true;
  return BLOCKED_CONTENT_TYPES.has(contentType.toLowerCase());
}
