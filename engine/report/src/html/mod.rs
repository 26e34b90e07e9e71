//! The self-contained HTML report (`--format html`): one file that opens
//! from disk and fetches nothing. The scan goes in once as JSON inside a
//! `<script type="application/json">` element (with `<`, `>`, `&` and
//! U+2028/9 escaped, so no string can close it); the page's own script
//! builds every element with `createElement`/`textContent`, never parsing
//! data as HTML. A Content-Security-Policy meta tag allows only that script
//! and that style sheet, by their SHA-256 hashes computed here.
//!
//! Shown: coverage gaps, not-evaluated and error counts and the scan's
//! provenance first; a summary by severity, pack, account and region with
//! charts; per-framework control status; the findings table (filters,
//! sort, lazily rendered pages, each row expandable to rule metadata,
//! resource, waiver); and, when given, the history section (new and fixed
//! findings since the last recorded scan, pass-rate trend per framework).

mod data;

use palisade_rules::Framework;
use sha2::{Digest as _, Sha256};

use crate::digest::HistorySection;
use crate::ScanReport;

/// The page's style sheet.
const STYLE: &str = include_str!("report.css");
/// The page's script.
const SCRIPT: &str = include_str!("report.js");

/// What the HTML report shows besides the scan.
#[derive(Debug, Clone, Default)]
pub struct HtmlOptions<'a> {
    /// The frameworks whose control status is shown; `None` shows every
    /// framework of the pack.
    pub frameworks: Option<Vec<&'a Framework>>,
    /// The nightly summary: what changed since the previous recorded scan
    /// and the pass-rate trend.
    pub history: Option<&'a HistorySection>,
}

/// Renders the report as one self-contained HTML document.
pub fn render(report: &ScanReport<'_>, opts: &HtmlOptions<'_>) -> String {
    let data = data::Data::of(report, opts);
    // Serialising borrowed, plain structs cannot fail; an empty object
    // would still render a page that says so.
    let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".to_owned());
    page(&script_safe_json(&json), &title(report))
}

/// The document title: the snapshot and its scan time.
fn title(report: &ScanReport<'_>) -> String {
    format!(
        "Palisade report: {} ({})",
        report.snapshot_uri,
        report
            .snapshot
            .snapshot
            .scan_time
            .format("%Y-%m-%d %H:%M UTC")
    )
}

/// The CSP source of an inline element's text: `'sha256-<base64>'`.
pub fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

/// The Content-Security-Policy of the page: nothing but its own script
/// and style.
fn csp() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; \
         base-uri 'none'; form-action 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    )
}

/// JSON text that cannot end the script element holding it nor be read as
/// markup: `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX` escapes (they only
/// occur inside JSON strings, where the escape means the same character).
fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 50);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for an HTML element's content or a double-quoted attribute:
/// markup escaped, control and bidirectional characters replaced.
fn html_text(s: &str) -> String {
    crate::escape::html(&crate::escape::terminal(s))
}

/// The document around the data.
fn page(json: &str, title: &str) -> String {
    let mut out = String::with_capacity(json.len() + STYLE.len() + SCRIPT.len() + 2048);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
    out.push_str(&csp());
    out.push_str("\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    out.push_str(&html_text(title));
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(
        "<noscript><p class=\"noscript\">This report needs JavaScript to show the scan \
         (it runs only the script embedded in this file and fetches nothing). \
         The same scan is available as JSON: palisade scan --format json.</p></noscript>\n",
    );
    out.push_str("<main id=\"app\"></main>\n<script type=\"application/json\" id=\"data\">");
    out.push_str(json);
    out.push_str("</script>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
