//! Escaping of untrusted strings (resource names, tags, descriptions) for
//! terminals, Markdown, HTML and CSV.

/// Removes control characters (including ANSI escape introducers) so a
/// string cannot move the cursor, recolour or rewrite a terminal.
pub fn terminal(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Escapes Markdown so untrusted text renders literally (and cannot inject
/// links, images or HTML).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in terminal(s).chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '<'
                | '>'
                | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes HTML text and attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes XML text and attribute values: the HTML escapes (valid XML
/// too), and characters XML 1.0 cannot carry replaced by U+FFFD.
pub fn xml(s: &str) -> String {
    let allowed: String = s
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect();
    html(&allowed)
}

/// Quotes a CSV field and neutralises spreadsheet formula injection
/// (a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` prefix).
pub fn csv(s: &str) -> String {
    let mut v = s.to_owned();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    format!("\"{}\"", v.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(terminal("a\u{1b}[31mred"), "a\u{FFFD}[31mred");
        assert_eq!(markdown("[x](http://e)"), "\\[x\\]\\(http://e\\)");
        assert_eq!(html("<b a=\"1\">"), "&lt;b a=&quot;1&quot;&gt;");
        assert_eq!(csv("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
