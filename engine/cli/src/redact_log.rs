//! The log writer of `-v`/`-vv`/`-vvv`: standard error with AWS access key
//! ids masked. The SDK redacts secret keys and session tokens in its debug
//! output, but prints the caller's access key id (the resolved identity in
//! endpoint-resolution lines, the profile chain's base credentials), and
//! the same for assumed-role sessions. A log that a CI job keeps must not
//! name whose key ran the scan, so every `AKIA…`/`ASIA…` key id in a log
//! line is written as `AKIA****************`.
//!
//! tracing-subscriber's formatter writes each event with one `write_all`
//! of the whole formatted line, so a key id is never split across writes.

use std::io::Write;

/// Writes log lines to standard error with access key ids masked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Stderr {
    type Writer = Masked<std::io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        Masked(std::io::stderr())
    }
}

/// A writer that masks access key ids in what passes through it.
#[derive(Debug)]
pub struct Masked<W>(pub W);

impl<W: Write> Write for Masked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(&mask_key_ids(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Key id prefixes: long-term (IAM user) and temporary (STS) access keys.
const PREFIXES: [&[u8; 4]; 2] = [b"AKIA", b"ASIA"];
/// Characters after the prefix: 16 upper-case letters and digits.
const ID_REST: usize = 16;

fn id_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// `text` with the 16 characters after each access key id's prefix
/// replaced by `*`. A key id is `AKIA` or `ASIA` then 16 upper-case letters
/// or digits, not part of a longer word.
pub fn mask_key_ids(text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    let mut i = 0;
    while i + 4 + ID_REST <= out.len() {
        let is_id = PREFIXES.iter().any(|p| &out[i..i + 4] == *p)
            && (i == 0 || !out[i - 1].is_ascii_alphanumeric())
            && out[i + 4..i + 4 + ID_REST].iter().all(|b| id_char(*b))
            && out
                .get(i + 4 + ID_REST)
                .is_none_or(|b| !b.is_ascii_alphanumeric());
        if is_id {
            out[i + 4..i + 4 + ID_REST].fill(b'*');
            i += 4 + ID_REST;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(s: &str) -> String {
        String::from_utf8(mask_key_ids(s.as_bytes())).unwrap()
    }

    #[test]
    fn key_ids_are_masked_and_nothing_else() {
        assert_eq!(
            mask(r#"Credentials { access_key_id: "AKIAX44S0O2A0QPOASTV", secret: "**" }"#),
            r#"Credentials { access_key_id: "AKIA****************", secret: "**" }"#
        );
        assert_eq!(
            mask("ASIA0123456789ABCDEF and AKIAX44S0O2A0QPOASTV."),
            "ASIA**************** and AKIA****************."
        );
        for kept in [
            "AKIA0123",                  // too short
            "AKIA0123456789ABCDEFG",     // too long
            "XAKIA0123456789ABCDEF",     // inside a word
            "AKIA0123456789abcdef",      // lower case: not a key id
            "AROA0123456789ABCDEF",      // a role id, not a key
            "arn:aws:iam::1:user/alice", // no key id
        ] {
            assert_eq!(mask(kept), kept);
        }
    }

    #[test]
    fn the_writer_passes_everything_else_through() {
        let mut w = Masked(Vec::new());
        w.write_all(b"id=AKIAX44S0O2A0QPOASTV\n").unwrap();
        w.write_all("é ünïcode\n".as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(w.0).unwrap(),
            "id=AKIA****************\né ünïcode\n"
        );
    }
}
