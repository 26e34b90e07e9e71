//! IAM-style wildcard matching (`*` any run, `?` one character) and
//! pattern containment (does one pattern cover every text another
//! matches): case-insensitive for actions and waiver resource patterns,
//! case-sensitive for resource ARNs, as AWS compares them (`arn_match`,
//! `arn_pattern_covers`: `table/Orders` does not select `table/orders`).

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

/// True when every text `inner` matches is also matched by `outer`
/// (case-insensitive). Sound, not complete: `outer`'s `*` may stand for any
/// run of `inner` (wildcards included), its `?` only for one literal
/// character or `?` of `inner`, and its literals only for equal literals;
/// so `iam:*` covers `iam:Pass*`, `role/*` covers `role/app/*`, but `a?c`
/// does not cover `a*c`.
pub fn pattern_covers(outer: &str, inner: &str) -> bool {
    // ASCII case only, as [`wildcard_match`] folds it (`É` does not match `é`).
    let o: Vec<char> = outer.to_ascii_lowercase().chars().collect();
    let i: Vec<char> = inner.to_ascii_lowercase().chars().collect();
    covers(&o, &i)
}

/// [`wildcard_match`] for resource ARNs: case-sensitive, as AWS matches
/// the `Resource` of a policy statement or a backup selection.
pub fn arn_match(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return glob(pattern.as_bytes(), text.as_bytes(), |a, b| a == b);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob(&p, &t, |a, b| a == b)
}

/// [`pattern_covers`] for resource ARN patterns: case-sensitive, as
/// [`arn_match`].
pub fn arn_pattern_covers(outer: &str, inner: &str) -> bool {
    let o: Vec<char> = outer.chars().collect();
    let i: Vec<char> = inner.chars().collect();
    covers(&o, &i)
}

/// Dynamic programming over (outer position, inner position): linear in
/// the product of the lengths, whatever the number of stars.
fn covers(o: &[char], i: &[char]) -> bool {
    // row[j]: o[..oi] covers i[..j].
    let mut row = vec![false; i.len() + 1];
    row[0] = true;
    for &oc in o {
        let mut next = vec![false; i.len() + 1];
        if oc == '*' {
            next[0] = row[0];
            for j in 1..=i.len() {
                next[j] = row[j] || next[j - 1];
            }
        } else {
            for j in 1..=i.len() {
                let ic = i[j - 1];
                let step = if oc == '?' {
                    ic != '*'
                } else {
                    oc == ic && ic != '*' && ic != '?'
                };
                next[j] = row[j - 1] && step;
            }
        }
        row = next;
    }
    row[i.len()]
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
    fn pattern_containment() {
        assert!(pattern_covers("*", "arn:aws:iam::1:role/*"));
        assert!(pattern_covers("iam:*", "IAM:Pass*"));
        assert!(pattern_covers(
            "arn:aws:iam::1:role/*",
            "arn:aws:iam::1:role/app/*"
        ));
        assert!(pattern_covers(
            "arn:aws:iam::1:role/a?",
            "arn:aws:iam::1:role/a?"
        ));
        assert!(!pattern_covers("a?c", "a*c"));
        assert!(!pattern_covers(
            "arn:aws:iam::1:role/app/*",
            "arn:aws:iam::1:role/*"
        ));
        assert!(!pattern_covers("iam:Pass*", "iam:*"));
        assert!(pattern_covers("x", "X"));
    }

    #[test]
    fn arns_match_with_case_actions_without() {
        let table = "arn:aws:dynamodb:eu-west-1:1:table/orders";
        assert!(!arn_match("arn:aws:dynamodb:*:*:table/Orders", table));
        assert!(arn_match("arn:aws:dynamodb:*:*:table/orders", table));
        assert!(arn_match("arn:aws:dynamodb:*:*:table/ord?rs", table));
        assert!(wildcard_match("arn:aws:dynamodb:*:*:table/Orders", table));
        assert!(arn_match("arn:aws:s3:::b?cket-*", "arn:aws:s3:::bücket-1"));
        assert!(!arn_pattern_covers(
            "arn:aws:s3:::Logs/*",
            "arn:aws:s3:::logs/*"
        ));
        assert!(arn_pattern_covers(
            "arn:aws:s3:::logs*",
            "arn:aws:s3:::logs/a/*"
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
