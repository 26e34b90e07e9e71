//! Escaping of untrusted strings (resource names, tags, descriptions) for
//! terminals, Markdown, HTML and CSV.

/// Replaces control characters (C0 and C1, including ANSI escape
/// introducers and line breaks) and bidirectional overrides with U+FFFD, so
/// a string cannot move the cursor, recolour or rewrite a terminal, break a
/// line, or display reordered (`exe.png` shown for `gnp.exe`).
pub fn terminal(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// True for the characters that reorder displayed text: bidirectional
/// embeddings, overrides and isolates, and the directional marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
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
/// too), tab and line breaks as character references (a parser would turn
/// them into spaces in an attribute), and characters XML 1.0 cannot carry
/// replaced by U+FFFD.
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
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
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

    #[test]
    fn terminal_replaces_c0_c1_line_breaks_and_bidi_overrides() {
        assert_eq!(
            terminal("a\u{9b}2J\u{85}b\r\nc\u{7}"),
            "a\u{FFFD}2J\u{FFFD}b\u{FFFD}\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(terminal("x\u{202E}gnp.exe"), "x\u{FFFD}gnp.exe");
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{2066}', '\u{2069}',
        ] {
            assert_eq!(terminal(&c.to_string()), "\u{FFFD}", "{:04X}", c as u32);
        }
        // Ordinary non-ASCII text is kept.
        assert_eq!(terminal("café – 東京"), "café – 東京");
    }

    #[test]
    fn markdown_neutralises_links_tables_html_and_controls() {
        let md = markdown("a|b](http://e)<img>\n\u{202E}");
        assert_eq!(md, "a\\|b\\]\\(http://e\\)\\<img\\>\u{FFFD}\u{FFFD}");
        assert!(!md.contains("]("));
    }

    #[test]
    fn xml_keeps_legal_characters_and_replaces_illegal_ones() {
        assert_eq!(
            xml("a\tb\r\nc\u{0}\u{1b}\u{FFFE}"),
            "a&#9;b&#13;&#10;c\u{FFFD}\u{FFFD}\u{FFFD}"
        );
        assert_eq!(xml("<&>\"'"), "&lt;&amp;&gt;&quot;&#39;");
    }

    #[test]
    fn csv_prefixes_every_formula_start_and_quotes() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(csv(s).starts_with("\"'"), "{s:?} -> {}", csv(s));
        }
        assert_eq!(csv("plain, \"quoted\""), "\"plain, \"\"quoted\"\"\"");
    }
}
