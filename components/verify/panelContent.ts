// "A real panel" by content: a render (or Grafana's alert screenshot) is compared with
// renders, through the same Grafana and renderer, of pages that are certainly not the
// panel. Used by the direct check (before anything is posted) and by the alert-path stage
// (on the screenshot downloaded from Slack). See pixels.ts for the measure.
import { fetchRender, renderPagePath, renderPath, renderTimeoutSeconds, type GrafanaEndpoint, type RenderRequest } from "./grafanaChecks";
import { verificationError } from "../shared/messages";
import { decodePng, percent, pixelDifference, SAME_PAGE_THRESHOLD, type DecodedImage } from "./pixels";
import type { VerifyTiming } from "../shared/timing";

/** One reference render and how far the image is from it. */
export interface ContentReference {
    /** What the reference pictures, e.g. "panel 1001 (not in the dashboard)" or "/login". */
    what: string;
    width: number;
    height: number;
    /** Share of the image's pixels that differ from the reference (0..1). */
    difference: number;
}

export interface ImageContent {
    /** Under this share of differing pixels, two pictures are the same page. */
    threshold: number;
    width: number;
    height: number;
    references: ContentReference[];
    /** panel: unlike every reference; login: the login page; not-panel: the page of a panel that does not exist. */
    verdict: "panel" | "login" | "not-panel";
    /** In words, e.g. "10.7% of its pixels differ from panel 1002 (not in the dashboard)". */
    summary: string;
}

/** Where the renderer's browser loads Grafana, for messages (the configured URL when known). */
export function callbackText(callbackUrl: string | undefined): string {
    return callbackUrl ? `${callbackUrl} (GF_RENDERING_CALLBACK_URL)` : "GF_RENDERING_CALLBACK_URL ([rendering] callback_url)";
}

/**
 * Judges a PNG showing `req`'s panel: renders that dashboard with a panel ID it does not
 * have, at the PNG's own size; only when the two are the same page, renders /login too,
 * to tell a login page (the renderer is not logged in) from a page without the panel.
 */
export async function judgeImage(
    target: GrafanaEndpoint,
    req: RenderRequest,
    png: Buffer,
    o: { panelIds?: number[]; timing: VerifyTiming },
): Promise<ImageContent> {
    const image = decodePng(png);
    const at: RenderRequest = { ...req, width: image.width, height: image.height };
    const timeoutSec = renderTimeoutSeconds(o.timing);
    const missing = Math.max(req.panelId, ...(o.panelIds ?? [])) + 1000;
    const compare = async (what: string, path: string): Promise<ContentReference> => {
        const ref = await fetchRender(target, path, at, o.timing);
        const decoded: DecodedImage = decodePng(ref.png);
        return { what, width: decoded.width, height: decoded.height, difference: pixelDifference(image, decoded) };
    };
    const references = [await compare(`panel ${missing} (not in the dashboard)`, renderPath({ ...at, panelId: missing }, timeoutSec))];
    let verdict: ImageContent["verdict"] = "panel";
    if (references[0].difference < SAME_PAGE_THRESHOLD) {
        references.push(await compare("/login", renderPagePath("login", at, timeoutSec)));
        verdict = references[1].difference < SAME_PAGE_THRESHOLD ? "login" : "not-panel";
    }
    const summary = references.map((r) => `${percent(r.difference)} of its pixels differ from ${r.what}`).join(", ");
    return { threshold: SAME_PAGE_THRESHOLD, width: image.width, height: image.height, references, verdict, summary };
}

/** The direct check's failure for a rendered panel that is not one (nothing is thrown for a real panel). */
export function renderContentFailure(content: ImageContent, req: RenderRequest, callbackUrl?: string): Error | undefined {
    if (content.verdict === "panel") return undefined;
    const [missing, login] = content.references;
    const common = {
        panelId: req.panelId,
        dashboardUid: req.dashboardUid,
        width: content.width,
        height: content.height,
        threshold: percent(content.threshold),
        callbackUrl: callbackText(callbackUrl),
    };
    if (content.verdict === "login") {
        return verificationError("render_login_page", {
            ...common,
            loginDifference: percent(login.difference),
            missingDifference: percent(missing.difference),
        });
    }
    return verificationError("render_not_panel", {
        ...common,
        reference: missing.what,
        difference: percent(missing.difference),
        loginDifference: percent(login.difference),
    });
}

/** Why a picture judged not a panel is not one, in words, for the alert stage's message. */
export function contentCause(content: ImageContent): string {
    return content.verdict === "login"
        ? "it is Grafana's login page, so the renderer's browser reached Grafana without being logged in as the render"
        : "it is the page of a panel that does not exist, so the page the renderer loaded shows no panel";
}
