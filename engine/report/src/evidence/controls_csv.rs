//! `frameworks/<id>/controls.csv`: one row per control (RFC 4180: a header
//! row, CRLF line ends, every field quoted), in the framework's order. Every
//! field goes through [`crate::escape::csv`], so a resource named
//! `=HYPERLINK(...)` is text in a spreadsheet, never a formula. Lists (rules,
//! resources) hold one item per line inside their cell.

use crate::framework::ControlResult;

/// The header row's fields.
pub const HEADER: [&str; 12] = [
    "control_id",
    "title",
    "status",
    "pass",
    "fail",
    "waived",
    "not_evaluated",
    "rules",
    "failing_resources",
    "not_evaluated_resources",
    "waived_resources",
    "manual_note",
];

/// Renders the controls of one framework.
pub fn render(controls: &[ControlResult<'_>]) -> String {
    let mut out = String::new();
    push_row(&mut out, HEADER.iter().map(|h| (*h).to_owned()));
    for c in controls {
        let count = |k: &str| c.counts.get(k).copied().unwrap_or(0);
        // Errors are results that could not be evaluated too.
        let not_evaluated = count("not_evaluated") + count("error");
        let reasons: Vec<String> = c
            .not_evaluated_reasons
            .iter()
            .map(|(id, reason)| match reason {
                Some(r) => format!("{id} ({r})"),
                None => (*id).to_owned(),
            })
            .collect();
        push_row(
            &mut out,
            [
                c.id.to_owned(),
                c.title.to_owned(),
                c.status.as_str().to_owned(),
                count("pass").to_string(),
                count("fail").to_string(),
                count("waived").to_string(),
                not_evaluated.to_string(),
                c.rules.join("\n"),
                c.failing_resources.join("\n"),
                reasons.join("\n"),
                c.waived_resources.join("\n"),
                c.note.to_owned(),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let fields: Vec<String> = fields.into_iter().map(|f| crate::escape::csv(&f)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}
