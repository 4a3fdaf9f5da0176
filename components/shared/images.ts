// Container image references and the versions read from their tags. The renderer's
// major version decides which environment variables it reads (v5 is a Go rewrite with
// new names), and Grafana's version decides whether Slack image uploads can work.
import * as semver from "semver";

/** Default images. Pinned: a no-change `pulumi up` must never pull something new. */
export const DEFAULT_GRAFANA_IMAGE = "grafana/grafana:13.1.1";
export const DEFAULT_RENDERER_IMAGE = "grafana/grafana-image-renderer:v5.11.1";

/**
 * Oldest Grafana this program accepts. Slack uploads need files.getUploadURLExternal
 * (Grafana 11.4.1+, files.upload is retired), and this program provisions its rule group
 * with preset rule UIDs, which 11.4.1-11.5.1 answer with HTTP 500 (grafana/grafana
 * issue #98283; fixed in 11.5.2 by PR #100450 and in 11.6.0 by PR #99858).
 */
export const MIN_GRAFANA = "11.5.2";
/**
 * Recommended: image uploads to a `#name` recipient failed with channel_not_found until
 * 11.4.3 / 11.5.3 / 11.6.0 (grafana/grafana issue #100283; PRs #101072, #101078, #100988).
 */
export const RECOMMENDED_GRAFANA = "11.6.0";
/** First 11.5 release whose Slack image uploads work with a `#name` recipient (PR #101078). */
export const MIN_GRAFANA_FOR_CHANNEL_NAME_UPLOADS = "11.5.3";

/** Why a Grafana version is too old for this program, or undefined when it is not. */
export function grafanaVersionProblem(v: Version): string | undefined {
    if (semver.gte(v, MIN_GRAFANA)) return undefined;
    if (semver.lt(v, "11.4.1")) {
        return `Grafana ${MIN_GRAFANA} or newer: Grafana ${v.version} uploads images with Slack's retired files.upload API, so alerts would arrive without pictures`;
    }
    return `Grafana ${MIN_GRAFANA} or newer: Grafana 11.4.1-11.5.1 answers HTTP 500 to a rule group with preset rule UIDs, as this program provisions (grafana issue #98283, fixed in 11.5.2 and 11.6.0)`;
}

/** Why a Grafana version cannot upload images to a `#name` recipient, or undefined. */
export function channelNameUploadProblem(v: Version): string | undefined {
    // Fixed in 11.4.3 and 11.5.3 on their branches and in 11.6.0; only 11.5.2 passes MIN_GRAFANA unfixed.
    if (semver.satisfies(v, `>=11.5.0 <${MIN_GRAFANA_FOR_CHANNEL_NAME_UPLOADS}`)) {
        return `Grafana ${v.version} fails image uploads to a #name recipient with channel_not_found (grafana issue #100283, fixed in 11.5.3 and 11.6.0)`;
    }
    return undefined;
}

/**
 * A version read from a tag or from what Grafana reports: major.minor.patch only. Grafana's
 * security releases carry a suffix (`11.6.0-security-01`, `12.0.0+security-01`) and contain
 * all of the release they patch, whereas semver orders a pre-release before its release; so
 * the suffix is dropped (`semver.coerce`) and `11.6.0-security-01` compares as 11.6.0.
 */
export type Version = semver.SemVer;

export interface ImageRef {
    /** The reference as given, e.g. `grafana/grafana:13.1.1`. */
    ref: string;
    /** Registry and repository, e.g. `grafana/grafana`. */
    repository: string;
    /** Tag, e.g. `13.1.1` or `v5.11.1`; undefined when the reference has none. */
    tag?: string;
    /** Digest (`sha256:...`), when pinned by digest. */
    digest?: string;
    /** Version read from the tag, when the tag starts with one. */
    version?: Version;
}

/** Parses `repo[:tag][@digest]`. A port in the registry host (`host:5000/x`) is not a tag. */
export function parseImageRef(ref: string): ImageRef {
    let rest = ref.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const lastColon = rest.lastIndexOf(":");
    if (lastColon > rest.lastIndexOf("/")) {
        tag = rest.slice(lastColon + 1);
        rest = rest.slice(0, lastColon);
    }
    return { ref, repository: rest, tag: tag || undefined, digest, version: tag ? parseVersion(tag) : undefined };
}

/** A tag that starts with a version (`v5`, `11.5`, `13.1.1`), ended by the tag's end or a `-+_.` suffix. */
const STARTS_WITH_VERSION = /^v?\d+(?:\.\d+){0,2}(?:$|[-+_.])/;

/** Reads `v5.11.1`, `13.1.1`, `12.0.0-security-01`, `11.5-ubuntu` (as 11.5.0); undefined for `main`, `latest`. */
export function parseVersion(tag: string): Version | undefined {
    if (!STARTS_WITH_VERSION.test(tag)) return undefined;
    return semver.coerce(tag) ?? undefined;
}

/** Whether a version read from a tag is older than `than` (e.g. "11.6.0"). */
export function olderThan(v: Version, than: string): boolean {
    return semver.lt(v, than);
}

/** A content digest as registries give it: `sha256:` and 64 hex digits (OCI image spec, descriptor.md). */
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Why an image reference is not acceptable as a pinned image, or undefined when it is.
 * A digest (`name@sha256:...`, `name:tag@sha256:...`) pins exactly; Docker and Kubernetes
 * pull by it and ignore the tag. Without one, the tag must start with a version: it is
 * where the version is read.
 */
export function pinProblem(image: ImageRef): string | undefined {
    if (!image.repository) return "has no repository name";
    if (image.digest !== undefined) {
        if (!DIGEST.test(image.digest))
            return `has the digest "${image.digest}", which is not sha256: followed by 64 lower-case hex digits`;
        return undefined;
    }
    if (!image.tag) return "has no tag, so Docker would pull `latest` and every `pulumi up` could change what runs";
    if (image.tag === "latest") return "uses the moving `latest` tag; pin a version so deployments are repeatable";
    if (!image.version) return `has tag "${image.tag}", which does not start with a version number (e.g. 13.1.1 or v5.11.1)`;
    return undefined;
}

/**
 * A pinned-enough image that still deserves a word, or undefined: a major-only or minor-only
 * tag (`grafana/grafana:13`, `:13.1`) moves with every release of that line, so two `pulumi
 * up`s can run different images; a digest without a version in the tag leaves the version
 * unknown. `pinned` is this program's default for the key, offered as the tag to use.
 */
export function pinWarning(image: ImageRef, key: string, pinned: string): string | undefined {
    if (image.digest !== undefined) {
        if (image.version) return undefined;
        const assumed = /renderer/i.test(key) ? "the renderer is taken as v5" : "Grafana's version checks are skipped";
        return `${key} ${image.ref}: pinned by digest, but without a version tag no version can be read, so ${assumed}; write it as name:<version>@sha256:..., e.g. ${pinned}@${image.digest}`;
    }
    const parts = /^(v?)(\d+)(?:\.(\d+))?(\.\d+)?(.*)$/.exec(image.tag ?? "");
    if (!parts || parts[4] !== undefined) return undefined;
    const [, v, major, minor, , suffix] = parts;
    const def = parseImageRef(pinned);
    const sameLine =
        def.repository === image.repository &&
        def.version?.major === Number(major) &&
        (minor === undefined || def.version.minor === Number(minor));
    const use = sameLine
        ? `${def.repository}:${def.tag}${suffix}`
        : `${image.repository}:${v}${major}.${minor ?? "<minor>"}.<patch>${suffix} (a release of that line; this program's default is ${pinned})`;
    const moves = minor === undefined ? "minor and patch" : "patch";
    return `${key} ${image.ref}: "${image.tag}" is a moving tag (it follows every new ${moves} release), so two runs can start different images; pin a release: ${use}`;
}
