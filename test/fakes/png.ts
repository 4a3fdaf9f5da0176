// Builds valid PNG files of a given size (8-bit RGB) for the fake Grafana: solid colours
// (Grafana's fixed placeholder images) and simple pictures of the pages a renderer
// screenshots (a panel, the "Panel not found" page, the login page, the home dashboard),
// different enough in their pixels that a comparison tells them apart, as real ones are.
import * as zlib from "node:zlib";

const CRC_TABLE = (() => {
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        t[n] = c >>> 0;
    }
    return t;
})();

function crc32(buf: Buffer): number {
    let c = 0xffffffff;
    for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typeAndData));
    return Buffer.concat([len, typeAndData, crc]);
}

const cache = new Map<string, Buffer>();

type Rgb = [number, number, number];

export function makePng(width: number, height: number, rgb: Rgb = [24, 27, 31]): Buffer {
    const key = `${width}x${height}:${rgb.join(",")}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const png = encode(width, height, (row) => {
        for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
    });
    cache.set(key, png);
    return png;
}

/** What a renderer's screenshot shows. */
export type PictureKind = "panel" | "notFound" | "login" | "home";

const DARK: Rgb = [17, 18, 23];

/**
 * A page as the renderer would picture it, on Grafana's dark background: a panel (title bar
 * and a zig-zag series across the whole width), Grafana's "Panel not found" message (a
 * small box in the middle), its login page (a form box and a logo band), the home dashboard
 * (a grid of tiles). `seed` shifts the panel's series (another panel, another picture).
 */
export function makePicture(width: number, height: number, kind: PictureKind, seed = 0): Buffer {
    const key = `${width}x${height}:${kind}:${seed}`;
    const hit = cache.get(key);
    if (hit) return hit;
    // Plain byte writes, no allocation per pixel: a picture costs milliseconds, not a render timeout.
    const fill = (row: Buffer, x0: number, x1: number, [r, g, b]: Rgb) => {
        for (let x = Math.max(0, Math.floor(x0)); x < Math.min(width, Math.ceil(x1)); x++) {
            row[1 + x * 3] = r;
            row[2 + x * 3] = g;
            row[3 + x * 3] = b;
        }
    };
    const series = Array.from({ length: width }, (_, x) => height * (0.5 + 0.3 * Math.sin((x + seed * 37) / 40)));
    const png = encode(width, height, (row, y) => {
        if (kind === "panel") {
            fill(row, 0, width, y < height * 0.08 ? [34, 37, 43] : DARK);
            if (y >= height * 0.08)
                for (let x = 0; x < width; x++) if (Math.abs(y - series[x]) < height * 0.04) fill(row, x, x + 1, [115, 191, 105]);
        } else if (kind === "notFound") {
            fill(row, 0, width, DARK);
            if (Math.abs(y - height / 2) < height * 0.05) fill(row, width * 0.35, width * 0.65, [204, 204, 220]);
        } else if (kind === "login") {
            fill(row, 0, width, y < height * 0.12 ? [246, 111, 43] : [11, 12, 14]);
            if (y >= height * 0.12 && Math.abs(y - height * 0.55) < height * 0.3) fill(row, width * 0.3, width * 0.7, [34, 37, 43]);
        } else {
            for (let t = 0; t < 4; t++)
                fill(
                    row,
                    (t * width) / 4,
                    ((t + 1) * width) / 4,
                    (t + Math.floor(y / (height / 3))) % 2 === 0 ? [24, 27, 31] : [61, 113, 217],
                );
        }
    });
    cache.set(key, png);
    return png;
}

function encode(width: number, height: number, fill: (row: Buffer, y: number) => void): Buffer {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    const row = Buffer.alloc(1 + width * 3);
    const raw = Buffer.alloc(row.length * height);
    for (let y = 0; y < height; y++) {
        fill(row, y);
        row.copy(raw, y * row.length);
    }
    return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk("IHDR", ihdr),
        chunk("IDAT", zlib.deflateSync(raw, { level: 1 })),
        chunk("IEND", Buffer.alloc(0)),
    ]);
}
