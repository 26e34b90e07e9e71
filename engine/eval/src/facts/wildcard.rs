//! IAM-style wildcard matching (`*` any run, `?` one character,
//! case-insensitive), used for actions, ARNs and waiver resource patterns.

/// IAM-style wildcard match (`*` any run, `?` one char), case-insensitive.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        // The common case (actions, ARNs), without allocating.
        return glob(pattern.as_bytes(), text.as_bytes(), |a, b| {
            a.eq_ignore_ascii_case(b)
        });
    }
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    glob(&p, &t, |a, b| a == b)
}

/// `*` / `?` matching with one-star backtracking, over bytes or chars.
fn glob<T: Copy + PartialEq + From<u8>>(p: &[T], t: &[T], eq: impl Fn(&T, &T) -> bool) -> bool {
    let (star_sym, any_sym) = (T::from(b'*'), T::from(b'?'));
    let (mut pi, mut ti, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != star_sym && (p[pi] == any_sym || eq(&p[pi], &t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_sym {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == star_sym)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("backup:*", "backup:DeleteRecoveryPoint"));
        assert!(wildcard_match("*", "backup:DeleteRecoveryPoint"));
        assert!(wildcard_match(
            "backup:Delete*",
            "backup:deleterecoverypoint"
        ));
        assert!(!wildcard_match("backup:Get*", "backup:DeleteRecoveryPoint"));
        // Non-ASCII text: `?` is one character, not one byte.
        assert!(wildcard_match(
            "arn:aws:s3:::b?cket-*",
            "arn:aws:s3:::bücket-1"
        ));
        assert!(!wildcard_match("arn:aws:s3:::b?cket", "arn:aws:s3:::bcket"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*b", "ac"));
        assert!(wildcard_match(
            "backup:DeleteRecoveryPoin?",
            "backup:DeleteRecoveryPoint"
        ));
    }

    #[test]
    fn backtracking_over_several_stars() {
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(wildcard_match("a*b*c", "abbbc"));
        assert!(!wildcard_match("a*b*c", "axxbyy"));
        assert!(!wildcard_match("", "a"));
        assert!(wildcard_match("", ""));
        assert!(wildcard_match("**", "anything"));
    }
}
