// Tells a picture of the panel from a picture of something else by its pixels, not its
// size: a renderer whose browser is not logged in to Grafana (an auth proxy or SSO in front
// of the callback URL, grafana-image-renderer#739, grafana#6766) screenshots the login page
// at exactly the requested size, so every check of width and height passes. The verifier
// renders a reference that is certainly not the panel (a panel ID the dashboard does not
// have; /login) through the same renderer and compares.
import { PNG } from "pngjs";

/** A channel differing by more than this (of 255) makes a pixel differ: below it is anti-aliasing and compression noise. */
export const PIXEL_TOLERANCE = 24;
/**
 * Two renders whose share of differing pixels is below this are "the same page". A panel
 * differs from the "Panel not found" page and from the login page in its title, axes,
 * legend and series, far more than 1 pixel in 200; two renders of one login page differ
 * in none.
 */
export const SAME_PAGE_THRESHOLD = 0.005;

export interface DecodedImage {
    width: number;
    height: number;
    /** RGBA, 4 bytes a pixel, row by row. */
    data: Buffer;
}

/** Decodes a PNG (any bit depth, palette or interlace pngjs reads); throws on a broken one. */
export function decodePng(png: Buffer): DecodedImage {
    const img = PNG.sync.read(png);
    return { width: img.width, height: img.height, data: img.data };
}

/**
 * The share (0..1) of `a`'s pixels that differ from `b`. Images of different sizes are
 * compared on `a`'s grid, each pixel against the nearest one of `b` scaled to it, so a
 * screenshot at another scale still compares with its reference.
 */
export function pixelDifference(a: DecodedImage, b: DecodedImage, tolerance = PIXEL_TOLERANCE): number {
    if (a.width === 0 || a.height === 0) return 1;
    let differing = 0;
    for (let y = 0; y < a.height; y++) {
        const by = Math.min(b.height - 1, Math.floor((y * b.height) / a.height));
        for (let x = 0; x < a.width; x++) {
            const bx = Math.min(b.width - 1, Math.floor((x * b.width) / a.width));
            const i = (y * a.width + x) * 4;
            const j = (by * b.width + bx) * 4;
            if (
                Math.abs(a.data[i] - b.data[j]) > tolerance ||
                Math.abs(a.data[i + 1] - b.data[j + 1]) > tolerance ||
                Math.abs(a.data[i + 2] - b.data[j + 2]) > tolerance ||
                Math.abs(a.data[i + 3] - b.data[j + 3]) > tolerance
            )
                differing++;
        }
    }
    return differing / (a.width * a.height);
}

/** A share as a percentage for messages, e.g. 0.00012 -> "0.01%". */
export function percent(share: number): string {
    return `${+(share * 100).toFixed(share < 0.01 ? 3 : 1)}%`;
}
