// PNG header parsing: enough to tell a real render from Grafana's placeholder image
// without decoding pixels.

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type PngHeader = { ok: true; width: number; height: number } | { ok: false; reason: string };

/**
 * Reads width and height from the IHDR chunk, which the PNG spec requires to come first:
 * 8-byte signature, 4-byte length (13), "IHDR", width, height (big-endian).
 */
export function readPngHeader(buf: Uint8Array): PngHeader {
    if (buf.length < 24) return { ok: false, reason: `the answer is ${buf.length} bytes, too short for a PNG` };
    for (let i = 0; i < PNG_SIGNATURE.length; i++) {
        if (buf[i] !== PNG_SIGNATURE[i]) return { ok: false, reason: "the answer does not start with the PNG signature" };
    }
    const type = String.fromCharCode(buf[12], buf[13], buf[14], buf[15]);
    if (type !== "IHDR") return { ok: false, reason: `the PNG's first chunk is ${JSON.stringify(type)}, not IHDR` };
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    if (width === 0 || height === 0) return { ok: false, reason: `the PNG claims a ${width}x${height} size` };
    return { ok: true, width, height };
}
