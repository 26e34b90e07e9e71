//! Short excerpts of input text for error messages. An error names the file
//! and position; it quotes at most a short piece of what was found there,
//! never a whole policy document, template or snapshot value (which may be
//! megabytes, and is the user's data rather than the error's).

/// The most characters of input an error message quotes in one place.
pub const MAX_QUOTED: usize = 120;

/// `text` when it is at most `max` characters long, else its first `max`
/// characters followed by `… (N more characters)`.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => {
            let more = text[cut..].chars().count();
            format!("{}… ({more} more characters)", &text[..cut])
        }
    }
}

/// `value` as `{:?}` shows it (quoted and escaped, for strings), cut to
/// [`MAX_QUOTED`] characters as [`excerpt`] does.
pub fn quoted(value: &impl std::fmt::Debug) -> String {
    excerpt(&format!("{value:?}"), MAX_QUOTED)
}

/// `message` with every double-quoted span (as `{:?}` and serde's
/// "invalid type: string \"...\"" write them, `\"` escapes included) longer
/// than [`MAX_QUOTED`] characters cut to that length, and the whole message
/// cut to a few times that. Library errors quote the offending value whole;
/// this keeps their wording and drops the bulk.
pub fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4 * MAX_QUOTED));
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        let body = &rest[open + 1..];
        // The closing quote: the first `"` not escaped by a backslash.
        let mut escaped = false;
        let close = body.char_indices().find_map(|(i, c)| {
            let end = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            end.then_some(i)
        });
        let (inner, after) = match close {
            Some(i) => (&body[..i], &body[i..]),
            None => (body, ""),
        };
        out.push_str(&excerpt(inner, MAX_QUOTED));
        match after.strip_prefix('"') {
            Some(tail) => {
                out.push('"');
                rest = tail;
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    excerpt(&out, 4 * MAX_QUOTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_is_cut_on_a_character() {
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("abcd", 3), "abc… (1 more characters)");
        assert_eq!(excerpt("ééé", 2), "éé… (1 more characters)");
        assert!(quoted(&"x".repeat(500)).chars().count() < 160);
    }

    #[test]
    fn long_quoted_values_are_cut_and_the_wording_kept() {
        let big = "LEAK".repeat(10_000);
        let m = format!("invalid type: string {big:?}, expected u32");
        let s = shorten_quotes(&m);
        assert!(s.starts_with("invalid type: string \"LEAKLEAK"), "{s}");
        assert!(s.ends_with("more characters)\", expected u32"), "{s}");
        assert!(s.len() < 300, "{}", s.len());
        // Escaped quotes do not end the span; short spans are untouched.
        let m = format!("a \"x\\\"{big}\" then \"short\"");
        let s = shorten_quotes(&m);
        assert!(s.ends_with("\" then \"short\""), "{s}");
        assert_eq!(shorten_quotes("no quotes"), "no quotes");
        assert_eq!(shorten_quotes("`a` is \"b\""), "`a` is \"b\"");
        // An unterminated span is cut too, and so is a long message.
        assert!(shorten_quotes(&format!("\"{big}")).len() < 300);
        assert!(shorten_quotes(&big).len() < 4 * MAX_QUOTED + 40);
    }
}
